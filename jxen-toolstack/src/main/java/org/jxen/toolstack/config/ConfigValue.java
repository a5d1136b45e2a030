package org.jxen.toolstack.config;

import java.util.List;

/**
 * A value in an xl config, as libxlu keeps it ({@code XLU_ConfigValue}): a string or a list of
 * values. Numbers are strings too ({@code memory = 512} holds {@code "512"}); they become numbers
 * only when a getter converts them, so {@code memory = "512"} means the same.
 */
public sealed interface ConfigValue {
    /** Where the value starts: its first character, or its {@code [}. */
    Location location();

    /** A quoted string (unescaped) or a bare number (its text). */
    record Str(String value, Location location) implements ConfigValue {
        @Override
        public String toString() {
            return value;
        }
    }

    /** {@code [ value, ... ]}; items may themselves be lists. */
    record Items(List<ConfigValue> items, Location location) implements ConfigValue {
        public Items {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return items.toString();
        }
    }
}
