package org.jxen.toolstack.domain;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How {@code xl create} asks for a domain.
 *
 * @param paused leave the domain paused after it is built ({@code -p})
 * @param configFile the config file it came from, if any (kept in the domain's record and in
 *     {@code xl list -l}); relative paths in the config were already resolved against the
 *     client's directory
 */
public record CreateOptions(boolean paused, Optional<Path> configFile) {
    public static final CreateOptions DEFAULT = new CreateOptions(false, Optional.empty());
}
