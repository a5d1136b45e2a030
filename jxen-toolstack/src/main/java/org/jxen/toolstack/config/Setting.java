package org.jxen.toolstack.config;

/**
 * One key's value after the whole file: the last {@code key = value}, or the result of the
 * {@code +=} that came after it. {@code added} records a {@code +=} as libxlu does
 * ({@code XLU_OP_ADDITION}), because its number getters refuse such a value.
 *
 * @param key the key (libxlu: lower-case letters, digits, {@code .} and {@code _})
 * @param value the value, located where the last assignment's value starts
 * @param added whether the last assignment was {@code +=}
 * @param keyLocation where the key of the last assignment stands
 */
public record Setting(String key, ConfigValue value, boolean added, Location keyLocation) {}
