package org.jxen.toolstack.domain;

/**
 * The state flags {@code xl list} prints, one letter each in the order {@code rbpscd}
 * (xl(1), "list"): a domain can be in more than one at once (paused and blocked, say), and the
 * letters it is not in print as {@code -}.
 */
public enum DomainState {
    /** Running, or runnable, on a CPU. */
    RUNNING('r'),
    /** Blocked: every vCPU waits for an event (halted). */
    BLOCKED('b'),
    /** Paused by {@code xl pause}. */
    PAUSED('p'),
    /** The guest has asked to be shut down, and the toolstack has not acted yet. */
    SHUTDOWN('s'),
    /** Crashed, and kept (on_crash = preserve). */
    CRASHED('c'),
    /** Being destroyed. */
    DYING('d');

    private final char letter;

    DomainState(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    /** The six columns xl prints for {@code states}, such as {@code "-b----"}. */
    public static String letters(java.util.Set<DomainState> states) {
        StringBuilder b = new StringBuilder(6);
        for (DomainState s : values()) {
            b.append(states.contains(s) ? s.letter : '-');
        }
        return b.toString();
    }
}
