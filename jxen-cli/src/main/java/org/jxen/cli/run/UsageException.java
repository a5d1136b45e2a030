package org.jxen.cli.run;

/**
 * The command line asks for something jxen-run cannot do: a missing or unusable file, a bad
 * name or number. The message is one sentence naming the option or file and, where it helps,
 * what was expected; jxen-run prints it after its name and exits with status 1.
 */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
