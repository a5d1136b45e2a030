package org.jxen.vmm.device.legacy;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.jxen.vmm.bus.BusDevice;

/**
 * The MC146818 real-time clock and CMOS RAM behind ports 0x70 (index) and 0x71 (data)
 * (Motorola MC146818A data sheet; register use as on the IBM PC/AT). The clock runs in UTC
 * from the host's clock plus an offset that the guest sets by writing the time (with
 * register B's SET bit, as {@code hwclock --systohc} does). Data mode (BCD or binary) and
 * 12/24-hour format follow register B. No RTC interrupts are raised (Linux does not need them
 * to keep time); the update-in-progress bit is never seen set, since every read is of a
 * consistent snapshot.
 *
 * <p>Threads: vCPU threads; guarded by this object's monitor.
 */
public final class CmosRtc implements BusDevice {
    // MC146818A register map.
    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0A;
    static final int REG_B = 0x0B;
    static final int REG_C = 0x0C;
    static final int REG_D = 0x0D;
    /** The century byte, as the FADT's CENTURY field advertises (ACPI 6.x, 5.2.9). */
    public static final int CENTURY = 0x32;
    // IBM PC/AT CMOS memory-size bytes, which firmware such as SeaBIOS reads.
    static final int BASE_MEM_LO = 0x15;
    static final int EXT_MEM_LO = 0x17;
    static final int EXT_MEM2_LO = 0x30;
    static final int HIGH_MEM_LO = 0x34;
    static final int ABOVE_4G = 0x5B;

    private static final int B_SET = 0x80;
    private static final int B_BINARY = 0x04;
    private static final int B_24H = 0x02;
    private static final int D_VRT = 0x80;
    private static final int INDEX_MASK = 0x7f;
    /** Where RAM below 4 GiB ends at the latest: the 32-bit MMIO hole (AddressMap.MMIO_HOLE_START). */
    private static final long LOW_RAM_MAX = 3L << 30;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;
    /** Seconds the guest's clock runs ahead of the host's. */
    private long offsetSeconds;
    /** While SET is on, the time when the guest set it; null otherwise. */
    private LocalDateTime frozen;
    /**
     * While SET is on, the fields the guest has written (binary, hours 0-23), by register. They
     * are applied together when SET clears: one at a time, a day of 31 written while the frozen
     * month has 30 days (before the month is written, as Linux orders them) would be refused.
     */
    private final Map<Integer, Integer> written = new HashMap<>();

    public CmosRtc(Clock clock, long memoryBytes) {
        this.clock = clock;
        ram[REG_A] = 0x26; // 32.768 kHz time base, 1.024 kHz rate: the PC default
        ram[REG_B] = B_24H;
        ram[REG_D] = (byte) D_VRT;
        setMemorySize(memoryBytes);
    }

    private void setMemorySize(long bytes) {
        long kib = bytes / 1024;
        putWord(BASE_MEM_LO, 640);
        long ext = Math.min(Math.max(kib - 1024, 0), 0xFFFF);
        putWord(EXT_MEM_LO, (int) ext);
        putWord(EXT_MEM2_LO, (int) ext);
        // RAM below 4 GiB ends at the 3 GiB MMIO hole at the latest; the rest is above 4 GiB.
        long below4g = Math.min(bytes, LOW_RAM_MAX);
        long above16m = Math.min(Math.max(below4g - (16L << 20), 0) >> 16, 0xFFFF);
        putWord(HIGH_MEM_LO, (int) above16m);
        long above4g = (bytes - below4g) >> 16;
        ram[ABOVE_4G] = (byte) above4g;
        ram[ABOVE_4G + 1] = (byte) (above4g >> 8);
        ram[ABOVE_4G + 2] = (byte) (above4g >> 16);
    }

    private void putWord(int at, int v) {
        ram[at] = (byte) v;
        ram[at + 1] = (byte) (v >> 8);
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == 0) {
            return 0xff;
        }
        int reg = index;
        if (isTimeField(reg)) {
            Integer v = written.get(reg);
            return encode(reg, v != null ? v : field(reg, frozen != null ? frozen : now()));
        }
        if (reg == REG_C) {
            int v = ram[REG_C] & 0xff;
            ram[REG_C] = 0;
            return v;
        }
        return ram[reg] & 0xff;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) value & 0xff;
        if (offset == 0) {
            // Bit 7 is the NMI mask on PCs; the index is the low seven bits.
            index = v & INDEX_MASK;
            return;
        }
        int reg = index;
        if (reg == REG_B) {
            boolean wasSet = (ram[REG_B] & B_SET) != 0;
            ram[REG_B] = (byte) v;
            boolean set = (v & B_SET) != 0;
            if (set && !wasSet) {
                frozen = now();
                written.clear();
            } else if (!set && wasSet) {
                // The clock restarts from the time written; an impossible time leaves it as it was.
                LocalDateTime t = compose(frozen, written);
                if (t != null) {
                    offsetSeconds += t.toEpochSecond(ZoneOffset.UTC) - now().toEpochSecond(ZoneOffset.UTC);
                }
                frozen = null;
                written.clear();
            }
        } else if (isTimeField(reg)) {
            int decoded = decode(reg, v);
            if (frozen != null) {
                written.put(reg, decoded);
            } else {
                LocalDateTime t = now();
                LocalDateTime changed = compose(t, Map.of(reg, decoded));
                if (changed != null) {
                    offsetSeconds += changed.toEpochSecond(ZoneOffset.UTC) - t.toEpochSecond(ZoneOffset.UTC);
                }
            }
        } else if (reg == REG_A) {
            ram[REG_A] = (byte) (v & 0x7f);
        } else if (reg != REG_C && reg != REG_D) {
            ram[reg] = (byte) v;
        }
    }

    private static boolean isTimeField(int reg) {
        return reg <= YEAR || reg == CENTURY;
    }

    private LocalDateTime now() {
        return LocalDateTime.ofInstant(Instant.ofEpochSecond(clock.instant().getEpochSecond() + offsetSeconds), ZoneOffset.UTC);
    }

    private boolean binary() {
        return (ram[REG_B] & B_BINARY) != 0;
    }

    private int toGuest(int v) {
        return binary() ? v : ((v / 10) << 4) | (v % 10);
    }

    private int fromGuest(int v) {
        return binary() ? v : ((v >> 4) & 0xf) * 10 + (v & 0xf);
    }

    /** A field of {@code t} in binary, as register {@code reg} holds it (hours 0-23). */
    private static int field(int reg, LocalDateTime t) {
        return switch (reg) {
            case SECONDS -> t.getSecond();
            case MINUTES -> t.getMinute();
            case HOURS -> t.getHour();
            case DAY_OF_WEEK -> t.getDayOfWeek().getValue() % 7 + 1; // Sunday is 1
            case DAY_OF_MONTH -> t.getDayOfMonth();
            case MONTH -> t.getMonthValue();
            case YEAR -> t.getYear() % 100;
            default -> t.getYear() / 100; // CENTURY
        };
    }

    /** A binary field value in the guest's format (BCD or binary; 12-hour with the PM bit). */
    private int encode(int reg, int v) {
        if (reg == HOURS && (ram[REG_B] & B_24H) == 0) {
            int h12 = v % 12 == 0 ? 12 : v % 12;
            return toGuest(h12) | (v >= 12 ? 0x80 : 0);
        }
        return toGuest(v);
    }

    /** A register value the guest wrote, as a binary field (hours 0-23). */
    private int decode(int reg, int raw) {
        if (reg == HOURS && (ram[REG_B] & B_24H) == 0) {
            return fromGuest(raw & 0x7f) % 12 + ((raw & 0x80) != 0 ? 12 : 0);
        }
        return fromGuest(raw);
    }

    /** {@code t} with the given fields replaced, or null if that is not a valid time. */
    private static LocalDateTime compose(LocalDateTime t, Map<Integer, Integer> fields) {
        int year = fields.getOrDefault(YEAR, t.getYear() % 100);
        int century = fields.getOrDefault(CENTURY, t.getYear() / 100);
        if (year > 99 || century > 99) {
            return null;
        }
        try {
            // The day of the week is not checked against the date, as on the MC146818.
            return LocalDateTime.of(century * 100 + year, fields.getOrDefault(MONTH, t.getMonthValue()),
                    fields.getOrDefault(DAY_OF_MONTH, t.getDayOfMonth()), fields.getOrDefault(HOURS, t.getHour()),
                    fields.getOrDefault(MINUTES, t.getMinute()), fields.getOrDefault(SECONDS, t.getSecond()));
        } catch (DateTimeException e) {
            return null;
        }
    }
}
