package org.jxen.toolstack.domain;

import java.io.IOException;

/** Where a console reader's keystrokes go: the guest's serial port. */
@FunctionalInterface
public interface ConsoleInput {
    void write(byte[] b, int off, int len) throws IOException, InterruptedException;
}
