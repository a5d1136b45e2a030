package org.jxen.provision.image;

/** What a long build tells its user: numbered steps, and how far the current one is. */
public interface Progress {
    /** Step {@code n} of {@code total} begins. */
    void step(int n, int total, String what);

    /** How far the current step is ("87/140 packages", "1.2G of 4G"). */
    void detail(String text);

    /** A line for the user that is not progress (a warning, the summary). */
    void say(String line);

    /** Progress that only logs. */
    static Progress to(BuildLog log) {
        return new Progress() {
            @Override
            public void step(int n, int total, String what) {
                log.step("[" + n + "/" + total + "] " + what);
            }

            @Override
            public void detail(String text) {}

            @Override
            public void say(String line) {
                log.line(line);
            }
        };
    }
}
