package org.jxen.block;

import java.io.IOException;

/** A disk image that cannot be used as asked: the message says which image and what is wrong. */
public class ImageException extends IOException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
