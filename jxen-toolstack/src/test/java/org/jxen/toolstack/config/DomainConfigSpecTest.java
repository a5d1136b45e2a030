package org.jxen.toolstack.config;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jxen.toolstack.config.DomainConfigSpec.CpuAffinity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainConfigSpecTest {
    private static DomainConfigSpec spec(String text) throws ConfigException {
        return DomainConfigSpec.from(XlConfig.parse("web.cfg", text));
    }

    private static ConfigException error(String text) {
        try {
            spec(text);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("accepted: " + text);
    }

    private static List<String> warnings(DomainConfigSpec s) {
        return s.warnings().stream().map(ConfigWarning::toString).toList();
    }

    @Test
    void defaultsAreXlsAndLibxls() throws ConfigException {
        DomainConfigSpec s = spec("name = 'web'\n");
        assertThat(s.name()).isEqualTo("web");
        assertThat(s.uuid()).isEmpty();
        assertThat(s.type()).isEqualTo(GuestType.PV);
        assertThat(s.memory()).isEqualTo(new DomainConfigSpec.Memory(32, 32));
        assertThat(s.vcpus()).isEqualTo(new DomainConfigSpec.Vcpus(1, 1, Optional.empty(), Optional.empty()));
        assertThat(s.actions()).isEqualTo(new DomainConfigSpec.Actions(ShutdownAction.DESTROY, ShutdownAction.RESTART,
                ShutdownAction.DESTROY, ShutdownAction.DESTROY));
        assertThat(s.boot()).isEqualTo(new DomainConfigSpec.Boot(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of()));
        assertThat(s.disks()).isEmpty();
        assertThat(s.vifs()).isEmpty();
        assertThat(warnings(s)).containsExactly(
                "web.cfg: warning: no type given; xl's default is \"pv\", which jxen runs as \"pvh\" (KVM has no PV guests)");
    }

    @Test
    void readsEveryImplementedKey() throws ConfigException {
        DomainConfigSpec s = spec("""
                name = "web"
                uuid = "6f1c6a5e-0d6b-4b1a-9a53-3c1d2f0e4b7A"
                type = "pvh"
                memory = 512
                maxmem = 0x400
                vcpus = 2
                maxvcpus = 4
                cpus = ["2", "3-8,^5"]
                cpus_soft = "all,^7"
                on_poweroff = "preserve"
                on_reboot = "rename-restart"
                on_watchdog = "coredump-restart"
                on_crash = "coredump-destroy"
                kernel = "guests/build/hello.elf"
                ramdisk = "/boot/initrd.img"
                root = "/dev/xvda1"
                extra = "console=hvc0"
                bootloader = "pygrub"
                bootloader_args = ["--entry=1", "-q"]
                disk = [ '/srv/web.img,raw,xvda,rw' ]
                vif = [ 'bridge=xenbr0', 'mac=00:16:3e:00:00:02,devid=5' ]
                """);
        assertThat(s.uuid()).contains(UUID.fromString("6f1c6a5e-0d6b-4b1a-9a53-3c1d2f0e4b7a"));
        assertThat(s.type()).isEqualTo(GuestType.PVH);
        assertThat(s.memory()).isEqualTo(new DomainConfigSpec.Memory(512, 1024));
        assertThat(s.vcpus().count()).isEqualTo(2);
        assertThat(s.vcpus().max()).isEqualTo(4);
        assertThat(s.vcpus().hardAffinity()).hasValueSatisfying(a -> assertThat(a)
                .isInstanceOfSatisfying(CpuAffinity.PerVcpu.class, p -> assertThat(p.cpus()).extracting(CpuList::toString)
                        .containsExactly("2", "3-8,^5")));
        assertThat(s.vcpus().softAffinity()).hasValueSatisfying(a -> assertThat(a)
                .isInstanceOfSatisfying(CpuAffinity.AllVcpus.class, p -> assertThat(p.cpus()).hasToString("all,^7")));
        assertThat(s.actions()).isEqualTo(new DomainConfigSpec.Actions(ShutdownAction.PRESERVE,
                ShutdownAction.RENAME_RESTART, ShutdownAction.COREDUMP_RESTART, ShutdownAction.COREDUMP_DESTROY));
        assertThat(s.boot()).isEqualTo(new DomainConfigSpec.Boot(Optional.of("guests/build/hello.elf"),
                Optional.of("/boot/initrd.img"), Optional.of("root=/dev/xvda1 console=hvc0"), Optional.of("pygrub"),
                List.of("--entry=1", "-q")));
        assertThat(s.disks()).singleElement().extracting(DiskSpec::vdev).isEqualTo("xvda");
        assertThat(s.vifs()).extracting(v -> v.bridge().orElse("-") + " " + v.devid())
                .containsExactly("xenbr0 OptionalInt.empty", "- OptionalInt[5]");
        assertThat(s.warnings()).isEmpty();
    }

    /** xl's {@code parse_cmdline}. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "root = '/dev/xvda1'| root=/dev/xvda1",
            "extra = 'quiet'| quiet",
            "root = '/dev/xvda1'; extra = 'quiet'| root=/dev/xvda1 quiet",
            "cmdline = 'console=hvc0'| console=hvc0",
            "type = 'pvh'| -"})
    void buildsTheCommandLineAsXlDoes(String keys, String cmdline) throws ConfigException {
        assertThat(spec("name = 'web'; type = 'pvh'\n" + keys + "\n").boot().cmdline()).isEqualTo(Optional.ofNullable(cmdline));
    }

    @Test
    void cmdlineWinsOverRootAndExtraWithXlsWarning() throws ConfigException {
        DomainConfigSpec s = spec("name = 'web'; type = 'pvh'\ncmdline = 'a'\nroot = 'b'\n");
        assertThat(s.boot().cmdline()).contains("a");
        assertThat(warnings(s)).containsExactly("web.cfg:3:8: warning: ignoring root= and extra= in favour of cmdline=");
    }

    /** xl compares the type with {@code strncmp(buf, name, strlen(buf))}: any prefix, hvm first. */
    @ParameterizedTest
    @CsvSource({"hvm, HVM", "h, HVM", "pv, PV", "p, PV", "pvh, PVH", "'', HVM"})
    void typeIsMatchedByPrefixAsXlDoes(String type, GuestType expected) throws ConfigException {
        assertThat(spec("name = 'web'\nkernel = 'k'\ntype = '" + type + "'\n").type()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "type = 'pvhx'| web.cfg:2:8: Invalid domain type pvhx. (expected pv, pvh or hvm)",
            "builder = 'linux'| web.cfg:2:11: Invalid domain type linux. (expected builder hvm or generic)",
            "type = 'pvh'; builder = 'hvm'| web.cfg:2:25: Contradicting \"builder\" and \"type\" options specified."})
    void refusesBadTypes(String keys, String message) {
        assertThat(error("name = 'web'\n" + keys + "\n").getMessage()).isEqualTo(message);
    }

    @Test
    void deprecatedBuilderSelectsTheType() throws ConfigException {
        assertThat(spec("name = 'w'\nbuilder = 'hvm'\nkernel = 'k'\n").type()).isEqualTo(GuestType.HVM);
        assertThat(spec("name = 'w'\nbuilder = 'generic'\ntype = 'pv'\n").type()).isEqualTo(GuestType.PV);
    }

    @Test
    void typesJxenRunsDifferentlyAreWarnedAbout() throws ConfigException {
        assertThat(warnings(spec("name = 'w'\ntype = 'pv'\n")))
                .containsExactly("web.cfg:2:8: warning: type \"pv\" is run as \"pvh\" by jxen (KVM has no PV guests)");
        assertThat(warnings(spec("name = 'w'\ntype = 'hvm'\n"))).singleElement().asString()
                .startsWith("web.cfg:2:8: warning: type \"hvm\" without kernel= boots firmware");
        assertThat(warnings(spec("name = 'w'\ntype = 'hvm'\nkernel = 'k'\n"))).isEmpty();
        assertThat(warnings(spec("name = 'w'\ntype = 'pvh'\n"))).isEmpty();
    }

    @Test
    void nameIsRequired() {
        assertThat(error("type = 'pvh'\n").getMessage()).isEqualTo("web.cfg: Domain name must be specified.");
        assertThat(error("name = ['a']\n").getMessage())
                .isEqualTo("web.cfg:1:8: parameter `name' is a list but should be a single value");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "''| is empty",
            "'42'| is all digits, which xl commands would take for a domain id",
            "'a/b'| contains `/', but jxen names log files after the domain",
            "'a\\tb'| contains a control character"})
    void refusesNamesJxenCannotUse(String value, String problem) {
        ConfigException e = error("name = " + value + "\n");
        assertThat(e.getMessage()).startsWith("web.cfg:1:8: name `").endsWith("' " + problem);
        assertThat(e.key()).isEqualTo("name");
    }

    /** Found by MalformedInputTest: a value quoted in a message must not break its line. */
    @Test
    void valuesQuotedInMessagesStayOnOneLine() {
        ConfigException name = error("name = 'a\\rb'\n");
        assertThat(name.getMessage()).isEqualTo("web.cfg:1:8: name `a\\x0db' contains a control character");
        assertThat(name.report()).containsExactly(name.getMessage());
        ConfigException disk = error("name = 'w'\ndisk = [ '\\n' ]\n");
        assertThat(disk.getMessage()).isEqualTo(
                "web.cfg:2:10: config parsing error in disk specification: no vdev specified in `\\x0a'");
    }

    @Test
    void nameLengthIsBoundedByLogFileNames() throws ConfigException {
        String longest = "n".repeat(DomainConfigReader.MAX_NAME_BYTES);
        assertThat(spec("name = '" + longest + "'; type = 'pvh'\n").name()).isEqualTo(longest);
        assertThat(error("name = '" + longest + "n'\n").getMessage()).endsWith("the most a log file name can hold");
    }

    @ParameterizedTest
    @ValueSource(strings = {"6f1c6a5e0d6b4b1a9a533c1d2f0e4b7a", "6f1c6a5e-0d6b-4b1a-9a53-3c1d2f0e4b7", "{6f1c6a5e-0d6b-4b1a-9a53-3c1d2f0e4b7a}",
            "6f1c6a5e-0d6b-4b1a-9a53-3c1d2f0e4b7g"})
    void refusesMalformedUuids(String uuid) {
        assertThat(error("name = 'w'\nuuid = '" + uuid + "'\n").getMessage())
                .startsWith("web.cfg:2:8: Failed to parse UUID: " + uuid);
    }

    @Test
    void memoryDefaultsFollowLibxl() throws ConfigException {
        assertThat(spec("name = 'w'\nmemory = 256\n").memory()).isEqualTo(new DomainConfigSpec.Memory(256, 256));
        assertThat(spec("name = 'w'\nmaxmem = 256\n").memory()).isEqualTo(new DomainConfigSpec.Memory(256, 256));
        assertThat(error("name = 'w'\nmemory = 512\nmaxmem = 256\n").getMessage())
                .isEqualTo("web.cfg:3:10: maxmem (256 MiB) is less than memory (512 MiB)");
        assertThat(error("name = 'w'\nmemory = 0\n").getMessage())
                .isEqualTo("web.cfg:2:10: parameter `memory': value `0' is smaller than minimum bound '1'");
        assertThat(error("name = 'w'\nmemory = '512M'\n").getMessage())
                .isEqualTo("web.cfg:2:10: parameter `memory' is not a valid number");
    }

    @Test
    void vcpusFollowXl() throws ConfigException {
        assertThat(spec("name = 'w'\nvcpus = 0\n").vcpus().count()).as("xl makes anything below 1 into 1").isEqualTo(1);
        assertThat(spec("name = 'w'\nvcpus = 3\n").vcpus().max()).isEqualTo(3);
        assertThat(error("name = 'w'\nvcpus = 4\nmaxvcpus = 2\n").getMessage())
                .isEqualTo("web.cfg:3:12: xl: maxvcpus < vcpus (maxvcpus = 2, vcpus = 4)");
    }

    @ParameterizedTest
    @EnumSource(ShutdownAction.class)
    void everyActionNameIsAccepted(ShutdownAction a) throws ConfigException {
        assertThat(spec("name = 'w'\non_crash = '" + a.xlName() + "'\n").actions().onCrash()).isEqualTo(a);
    }

    @Test
    void unknownActionUsesXlWords() {
        assertThat(error("name = 'w'\non_reboot = 'reboot'\n").getMessage()).startsWith(
                "web.cfg:2:13: Unknown on_reboot action \"reboot\" specified (expected destroy, restart,");
    }

    @Test
    void bootloaderArgsAsAStringIsDeprecatedAndSplit() throws ConfigException {
        DomainConfigSpec s = spec("name = 'w'; type = 'pvh'\nbootloader_args = ' --entry=1\t-q '\n");
        assertThat(s.boot().bootloaderArgs()).containsExactly("--entry=1", "-q");
        assertThat(warnings(s)).containsExactly("web.cfg:2:19: warning: Specifying \"bootloader_args\" as a string is"
                + " deprecated. Please use a list of arguments.");
    }

    @Test
    void keysNotActedOnAreNamedOnceEach() throws ConfigException {
        DomainConfigSpec s = spec("name = 'w'; type = 'pvh'\nsdl = 1\nvnc = 1\nsdl = 0\nnosuchkey = 'x'\non_soft_reset = 'destroy'\n");
        assertThat(warnings(s)).containsExactly(
                "web.cfg:3:1: warning: key `vnc' is not supported by jxen yet; ignored",
                "web.cfg:4:1: warning: key `sdl' is not supported by jxen yet; ignored",
                "web.cfg:5:1: warning: key `nosuchkey' is not an xl.cfg(5) key; ignored (xl ignores it too)",
                "web.cfg:6:1: warning: key `on_soft_reset' is not supported by jxen yet; ignored");
    }

    @Test
    void everyImplementedKeyIsDocumented() {
        for (String key : DomainConfigReader.IMPLEMENTED) {
            assertThat(XlCfgKeys.lookup(key)).as(key).isPresent();
            assertThat(XlCfgKeys.implemented(key)).isTrue();
        }
        assertThat(XlCfgKeys.implemented("sdl")).isFalse();
    }

    @Test
    void vifWarningsCarryTheEntrysLocation() throws ConfigException {
        DomainConfigSpec s = spec("name = 'w'; type = 'pvh'\nvif = [ 'bridge=xenbr0',\n        'accel=1' ]\n");
        assertThat(warnings(s)).containsExactly(
                "web.cfg:3:9: warning: the accel parameter for vifs is currently not supported");
    }

    @Test
    void listEntriesThatAreListsAreRefused() {
        assertThat(error("name = 'w'\ndisk = [ ['/x,raw,xvda'] ]\n").getMessage())
                .isEqualTo("web.cfg:2:10: element 0 of `disk' is a list but should be a string");
        assertThat(error("name = 'w'\ncpus = [ '1', ['2'] ]\n").getMessage())
                .isEqualTo("web.cfg:2:15: element 1 of `cpus' is a list but should be a string");
    }
}
