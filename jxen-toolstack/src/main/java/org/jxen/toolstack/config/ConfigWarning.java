package org.jxen.toolstack.config;

/**
 * Something in a config that xl accepts but that the user should hear about: a deprecated form,
 * a key jxen does not act on yet, a value jxen runs differently. One line, like xl's warnings
 * (control characters shown as {@code \xNN}).
 *
 * @param key the key it is about, or null
 */
public record ConfigWarning(Location location, String key, String message) {
    /** {@code file:line:column: warning: message}. */
    @Override
    public String toString() {
        return ConfigException.oneLine(location + ": warning: " + message);
    }
}
