package org.jxen.toolstack.domain;

/**
 * A disk's device number from its vdev name, as Xen numbers them (docs/misc/vbd-interface.txt;
 * libxl's {@code libxl__device_disk_dev_number}): {@code xvdX[N]} is 202 &lt;&lt; 8 | disk &lt;&lt; 4 |
 * partition (disks past 15 or partitions past 15: 1 &lt;&lt; 28 | disk &lt;&lt; 8 | partition),
 * {@code sdX[N]} 8 &lt;&lt; 8 | disk &lt;&lt; 4 | partition, {@code hdX[N]} majors 3 and 22, {@code dDpP}
 * as xvd, and a plain number as itself. The number names the disk in XenStore
 * ({@code device/vbd/NUMBER}).
 */
final class VirtualDevice {
    private VirtualDevice() {}

    /** The number, or -1 when the name is not one Xen knows. */
    static int number(String vdev) {
        if (vdev.matches("\\d{1,9}")) {
            return Integer.parseInt(vdev);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(xvd|sd|hd)([a-z]+)(\\d*)").matcher(vdev);
        if (m.matches()) {
            int disk = letters(m.group(2));
            int part = m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3));
            return switch (m.group(1)) {
                case "xvd" -> xvd(disk, part);
                case "sd" -> disk < 16 && part < 16 ? 8 << 8 | disk << 4 | part : -1;
                default -> disk < 4 && part < 64 ? (disk < 2 ? 3 : 22) << 8 | (disk & 1) << 6 | part : -1;
            };
        }
        m = java.util.regex.Pattern.compile("d(\\d{1,4})(?:p(\\d{1,3}))?").matcher(vdev);
        if (m.matches()) {
            return xvd(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        }
        return -1;
    }

    private static int xvd(int disk, int part) {
        if (disk < 16 && part < 16) {
            return 202 << 8 | disk << 4 | part;
        }
        return disk < (1 << 20) && part < 256 ? 1 << 28 | disk << 8 | part : -1;
    }

    /** a = 0, z = 25, aa = 26, as Xen counts disk letters. */
    private static int letters(String s) {
        int n = 0;
        for (char c : s.toCharArray()) {
            n = n * 26 + (c - 'a' + 1);
            if (n > 1 << 20) {
                return Integer.MAX_VALUE;
            }
        }
        return n - 1;
    }
}
