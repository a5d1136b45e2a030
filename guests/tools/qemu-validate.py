#!/usr/bin/env python3
"""Runs every jxen test guest under QEMU on this machine's KVM and checks
the result protocol. Usage: guests/tools/qemu-validate.py [-O build] [name...]

Each case: a QEMU command line, optional input to type after a prompt,
and what must happen (exit status, result lines, or "still running").
Prints one line per case with wall time (QEMU start to exit) and the time
from the guest's `start` line to its `end` line as seen on the host.
"""
import argparse, os, re, select, subprocess, sys, time

QEMU = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host,-arch-capabilities",
        "-nodefaults", "-no-reboot", "-serial", "stdio", "-display", "none"]
MICROVM = ["-M", "microvm,acpi=on"]
QBOOT = "/usr/share/qemu/qboot.rom"
PC = ["-M", "pc", "-bios", QBOOT]
Q35 = ["-M", "q35", "-bios", QBOOT]
END_RE = re.compile(r"^jxen-guest (\S+) end passed=(\d+) failed=(\d+)$")

# (label, machine args, flavour)
FLAVOURS = [("microvm/pvh", MICROVM, ".elf"), ("pc/pvh", PC, ".elf"), ("pc/multiboot", PC, ".mb.elf")]


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
    return out


def run(cmd, script, timeout):
    t0 = time.monotonic()
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
                if send:
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
    for name, guest, label, extra, ext, cmdline, script, expect in cases():
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
