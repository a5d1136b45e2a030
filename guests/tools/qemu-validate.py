#!/usr/bin/env python3
"""Runs every jxen test guest under QEMU on this machine's KVM and checks
the result protocol. Usage: guests/tools/qemu-validate.py [-O build] [name...]

Each case: a QEMU command line, optional input to type after a prompt,
and what must happen (exit status, result lines, or "still running").
Prints one line per case with wall time (QEMU start to exit) and the time
from the guest's `start` line to its `end` line as seen on the host.
"""
import argparse, json, os, re, select, socket, subprocess, sys, tempfile, time

QEMU = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host,-arch-capabilities",
        "-nodefaults", "-no-reboot", "-serial", "stdio", "-display", "none"]
MICROVM = ["-M", "microvm,acpi=on"]
QBOOT = "/usr/share/qemu/qboot.rom"
PC = ["-M", "pc", "-bios", QBOOT]
Q35 = ["-M", "q35", "-bios", QBOOT]
END_RE = re.compile(r"^jxen-guest (\S+) end passed=(\d+) failed=(\d+)$")

# (label, machine args, flavour)
FLAVOURS = [("microvm/pvh", MICROVM, ".elf"), ("pc/pvh", PC, ".elf"), ("pc/multiboot", PC, ".mb.elf")]
# A script step whose "send" is a dict is a QMP command (the case then gets a QMP socket).
POWERDOWN = {"execute": "system_powerdown"}
INITRD_MAGIC = "JXENINITRD"


def cases():
    """(name, guest, machine label, qemu args, cmdline, script, expect)"""
    out = []
    for label, mach, ext in FLAVOURS:
        def add(guest, extra=(), cmdline="", script=None, expect="pass", mach=mach, tag=""):
            out.append((guest + tag, guest, label, list(mach) + list(extra), ext, cmdline, script, expect))
        add("hello", ["-m", "512"], "expect_cmdline=jxen jxen")
        add("memmap", ["-m", "512"], "expect_mib=512", tag=" 512M")
        add("memmap", ["-m", "5G"], "expect_mib=5120", tag=" 5G")
        add("smp", ["-m", "512", "-smp", "2"], "expect_cpus=2", tag=" x2")
        add("smp", ["-m", "512", "-smp", "4"], "expect_cpus=4", tag=" x4")
        add("echo", ["-m", "512"], "expect=hello_world",
            script=[("echo: ready", "hellx\x7fo world\r")])
        if label.startswith("microvm"):
            add("rtc", ["-m", "512"], mach=["-M", "microvm,acpi=on,rtc=on"])
            add("pci", ["-m", "512"], "ecam=0xe0000000 expect_ecam=1", mach=["-M", "microvm,acpi=on,pcie=on"])
        else:
            add("rtc", ["-m", "512"])
            add("pci", ["-m", "512"], "expect_cf8=1")
            add("pci", ["-m", "512"], "expect_cf8=1 expect_ecam=1", mach=Q35, tag=" q35")
        add("ring3", ["-m", "512"])
        add("shutdown", ["-m", "512"], "action=poweroff", expect="exit0", tag=" poweroff")
        add("shutdown", ["-m", "512"], "action=reboot", expect="exit0", tag=" reboot")
        add("shutdown", ["-m", "512"], "action=triplefault", expect="exit0", tag=" triplefault")
        add("shutdown", ["-m", "512", "-device", "pvpanic", "-action", "panic=exit-failure"], "action=pvpanic",
            expect="exit1", tag=" pvpanic")
        add("shutdown", ["-m", "512"], "action=halt", expect="running", tag=" halt")
        # One reset mechanism each: microvm has only the FADT reset register (GED);
        # qboot's pc FADT is ACPI 1.0-sized (no RESET_REG), q35's is 0xCF9.
        micro = label.startswith("microvm")
        add("shutdown", ["-m", "512"], "action=reset-acpi", expect="exit0" if micro else "fail", tag=" reset-acpi")
        add("shutdown", ["-m", "512"], "action=reset-cf9", expect="running" if micro else "exit0", tag=" reset-cf9")
        add("shutdown", ["-m", "512"], "action=reset-i8042", expect="running" if micro else "exit0",
            tag=" reset-i8042")
        if not micro:
            add("shutdown", ["-m", "512"], "action=reset-acpi", expect="exit0", mach=Q35, tag=" reset-acpi q35")
        # Fixed-feature power button: PIIX4/ICH9 PM on pc/q35; microvm is hardware-reduced (GED), so not ok.
        if micro:
            add("powerbutton", ["-m", "512"], "wait_ms=300", expect="fail", tag=" hw-reduced")
        else:
            add("powerbutton", ["-m", "512"], "wait_ms=10000", script=[("powerbutton: armed", POWERDOWN)],
                tag=" press")
            add("powerbutton", ["-m", "512"], "wait_ms=10000", script=[("powerbutton: armed", POWERDOWN)],
                mach=Q35, tag=" press q35")
            add("powerbutton", ["-m", "512"], "wait_ms=300", expect="fail", tag=" no press")
        add("cpufeatures", ["-m", "512"], "insn=all-ring3", tag=" all-ring3")
        add("cpufeatures", ["-m", "512"], "insn=cx8", tag=" cx8")
        add("cpufeatures", ["-m", "512"], "insn=fsgsbase", tag=" fsgsbase")
        add("cpufeatures", ["-m", "512"], "insn=movbe", expect="fail", tag=" movbe")
        add("cpufeatures", ["-m", "512"], "insn=popcnt", expect="any", tag=" popcnt")
        add("misbehave", ["-m", "512"], "do=mmio,ports", tag=" mmio,ports")
        add("misbehave", ["-m", "512"], "do=ud2", expect="fail", tag=" ud2")
        add("misbehave", ["-m", "512"], "do=triplefault", expect="poweroff", tag=" triplefault")
        add("misbehave", ["-m", "512"], "do=ldmxcsr", expect="any", tag=" ldmxcsr")
        add("misbehave", ["-m", "512"], "do=vmcall", expect="any", tag=" vmcall")
        add("misbehave", ["-m", "512"], "do=vmmcall", expect="any", tag=" vmmcall")
        add("demo", ["-m", "512", "-smp", "2"], "", expect="poweroff", script=[
            ("jxen-demo# ", "help\r"), ("jxen-demo# ", "cpus\r"), ("jxen-demo# ", "mem\r"),
            ("jxen-demo# ", "devices\r"), ("jxen-demo# ", "date\r"), ("jxen-demo# ", "nonsense\x03"),
            ("^C\r\njxen-demo# ", "bogus\r"), ("unknown command: bogus", ""), ("jxen-demo# ", "poweroff\r")])
    # bzstub.bzImage: QEMU boots a bzImage through its real-mode setup (qboot or the
    # linuxboot option ROM), so our 16-bit entry runs, and type_of_loader is QEMU's 0xB0.
    for label, mach in [("microvm/bzimage", MICROVM), ("pc/bzimage", PC), ("q35/bzimage", Q35)]:
        out.append(("bzstub", "bzstub", label, list(mach) + ["-m", "512", "-initrd", "@INITRD@"], ".bzImage",
                    "expect_mib=512 initrd_magic=%s expect_loader=0xb0 expect_entry=16 hello=1" % INITRD_MAGIC,
                    None, "pass"))
    return out


def qmp(path, command):
    """Connects to QEMU's QMP socket, leaves capabilities negotiation, runs one command."""
    with socket.socket(socket.AF_UNIX) as so:
        so.connect(path)
        f = so.makefile("rw")
        f.readline()
        for c in ({"execute": "qmp_capabilities"}, command):
            f.write(json.dumps(c) + "\n")
            f.flush()
            while "return" not in json.loads(f.readline()):
                pass


def run(cmd, script, timeout):
    t0 = time.monotonic()
    qmp_path = None
    if any(isinstance(send, dict) for _, send in script or []):
        qmp_path = os.path.join(tempfile.mkdtemp(prefix="jxen-qmp-"), "qmp.sock")
        cmd = cmd + ["-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf, times = b"", {}
    script = list(script or [])
    deadline = t0 + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([p.stdout], [], [], min(left, 0.05))
        if r:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            now = time.monotonic()
            for key in (b" start\r\n", b" end passed="):
                if key in buf and key not in times:
                    times[key] = now
            while script and script[0][0].encode() in buf[times.get("cursor", 0):]:
                pat, send = script.pop(0)
                times["cursor"] = buf.index(pat.encode(), times.get("cursor", 0)) + len(pat)
                if isinstance(send, dict):
                    qmp(qmp_path, send)
                elif send:
                    time.sleep(0.02)
                    p.stdin.write(send.encode())
                    p.stdin.flush()
        elif p.poll() is not None:
            break
    try:
        p.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    wall = time.monotonic() - t0
    running = p.poll() is None
    if running:
        p.kill()
    p.wait()
    s2e = None
    if b" start\r\n" in times and b" end passed=" in times:
        s2e = times[b" end passed="] - times[b" start\r\n"]
    return buf.decode(errors="replace"), p.returncode, running, wall, s2e


def verdict(expect, text, rc, running):
    ends = [END_RE.match(l.strip()) for l in text.splitlines()]
    ends = [m for m in ends if m]
    notok = [l for l in text.splitlines() if l.startswith("not ok")]
    if expect == "pass":
        return (not running and rc == 0 and ends and ends[-1].group(3) == "0"), "exit %s" % rc
    if expect == "fail":
        return (not running and ends and int(ends[-1].group(3)) > 0 and bool(notok)), "reported: " + (
            notok[0][:90] if notok else "nothing")
    if expect == "exit0":
        return (not running and rc == 0 and ends and ends[-1].group(3) == "0"), "exit %s" % rc
    if expect == "poweroff":
        return (not running and rc == 0), "exit %s (no end line expected)" % rc
    if expect == "exit1":
        return (not running and rc == 1), "exit %s" % rc
    if expect == "running":
        return running and bool(ends), "still running after the end line"
    note = " (KVM internal error)" if "KVM internal error" in text else ""
    return True, ("still running (killed)" if running else "exit %s" % rc) + note


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-O", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    ap.add_argument("-v", action="store_true", help="print each guest's output")
    ap.add_argument("only", nargs="*")
    a = ap.parse_args()
    failures = 0
    initrd = os.path.join(tempfile.mkdtemp(prefix="jxen-initrd-"), "initrd.bin")
    with open(initrd, "w") as f:
        f.write(INITRD_MAGIC + "-test-initrd\n")
    for name, guest, label, extra, ext, cmdline, script, expect in cases():
        extra = [initrd if a == "@INITRD@" else a for a in extra]
        if a.only and guest not in a.only and name not in a.only:
            continue
        kernel = os.path.join(a.O, guest + ext)
        cmd = QEMU + extra + ["-kernel", kernel] + (["-append", cmdline] if cmdline else [])
        timeout = 3.0 if expect in ("running", "any") else 15.0
        text, rc, running, wall, s2e = run(cmd, script, timeout)
        ok, why = verdict(expect, text, rc, running)
        failures += not ok
        s2e_s = "%6.3fs" % s2e if s2e is not None else "   -   "
        print("%-4s %-13s %-24s wall=%6.3fs start->end=%s  %s" % ("PASS" if ok else "FAIL", label, name, wall, s2e_s,
                                                                   why), flush=True)
        if a.v or not ok:
            print("     $ " + " ".join(cmd))
            for l in text.splitlines():
                print("     | " + l)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
