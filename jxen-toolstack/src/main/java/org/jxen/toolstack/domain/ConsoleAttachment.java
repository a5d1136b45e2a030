package org.jxen.toolstack.domain;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * One reader of a domain's console ({@code xl console}). {@link #output()} first gives the
 * recent output the domain printed before the reader came (so a late reader sees the boot
 * messages), then what it prints from now on; it ends (EOF) when the domain is destroyed or the
 * attachment is closed. {@link #input()} writes to the guest's console. Readers come and go
 * independently of each other and of the domain.
 */
public interface ConsoleAttachment extends AutoCloseable {
    InputStream output();

    OutputStream input();

    /** Detaches this reader; idempotent. */
    @Override
    void close();
}
