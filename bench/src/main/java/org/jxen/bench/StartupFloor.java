package org.jxen.bench;

/**
 * An empty {@code main}: what starting the JVM costs with jxen's flags, before any jxen code.
 * bench/startup-phases.sh subtracts it from jxen-run's figures.
 */
public final class StartupFloor {
    private StartupFloor() {}

    public static void main(String[] args) {
        // Nothing: the JVM's own start-up and exit are the measurement.
    }
}
