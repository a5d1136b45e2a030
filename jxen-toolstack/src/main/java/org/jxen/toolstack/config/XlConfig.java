package org.jxen.toolstack.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An xl config file as settings (libxlu's {@code XLU_Config}): each key's last value, a string or
 * a list, with the typed getters of {@code libxlu_cfg.c}. Values are converted on use, as there:
 * a number is a string that {@code strtol(s, &end, 0)} reads whole (decimal, {@code 0x} hex,
 * {@code 0} octal, leading blanks and a sign allowed), and a boolean is a number, false when 0.
 *
 * <p>Where xl's getters print a warning and leave the field unset, these throw a
 * {@link ConfigException} with the same words, the value's location and the key.
 */
public final class XlConfig {
    /**
     * Largest config file read. xl reads any size; a config is a page or two, and jxend parses
     * configs that clients send into its own heap.
     */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private final String source;
    private final Map<String, Setting> settings;

    XlConfig(String source, Map<String, Setting> settings) {
        this.source = source;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** Parses the bytes of a config named {@code source} (a path as the user gave it, or {@code "command line"}). */
    public static XlConfig parse(String source, byte[] data) throws ConfigException {
        if (data.length > MAX_FILE_BYTES) {
            throw new ConfigException(Location.of(source), null,
                    "config file is " + data.length + " bytes; jxen reads at most " + MAX_FILE_BYTES);
        }
        return XlCfgParser.parse(source, data);
    }

    /** Parses {@code text} (encoded as UTF-8). */
    public static XlConfig parse(String source, String text) throws ConfigException {
        return parse(source, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads and parses {@code file}, named in messages as the path was given. */
    public static XlConfig read(Path file) throws ConfigException {
        String name = file.toString();
        byte[] data;
        try (InputStream in = Files.newInputStream(file)) {
            data = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(Location.of(name), null, "Failed to read config file: No such file or directory");
        } catch (IOException e) {
            throw new ConfigException(Location.of(name), null, "Failed to read config file: " + e.getMessage());
        }
        return parse(name, data);
    }

    /** The source's name, as messages show it. */
    public String source() {
        return source;
    }

    /** Every setting, in the order of each key's last assignment. */
    public Map<String, Setting> settings() {
        return settings;
    }

    public Optional<Setting> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    /** {@code xlu_cfg_get_string}: the key's string, if set. */
    public Optional<String> string(String key) throws ConfigException {
        Setting s = settings.get(key);
        if (s == null) {
            return Optional.empty();
        }
        if (!(s.value() instanceof ConfigValue.Str str)) {
            throw new ConfigException(s.value().location(), key,
                    "parameter `" + key + "' is a list but should be a single value");
        }
        return Optional.of(str.value());
    }

    /** {@code xlu_cfg_get_list}: the key's list, if set. */
    public Optional<ConfigValue.Items> list(String key) throws ConfigException {
        Setting s = settings.get(key);
        if (s == null) {
            return Optional.empty();
        }
        if (!(s.value() instanceof ConfigValue.Items items)) {
            throw new ConfigException(s.value().location(), key,
                    "parameter `" + key + "' is a single value but should be a list");
        }
        return Optional.of(items);
    }

    /**
     * The key's list, every element a string ({@code xlu_cfg_get_list_as_string_list}, which
     * quietly ends the list at the first element that is a list; here that is an error).
     */
    public Optional<List<String>> stringList(String key) throws ConfigException {
        Optional<ConfigValue.Items> list = list(key);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(strings(key, list.get()));
    }

    /** The elements of {@code items} (a value of {@code key}) as strings. */
    static List<String> strings(String key, ConfigValue.Items items) throws ConfigException {
        List<String> out = new ArrayList<>(items.items().size());
        for (int i = 0; i < items.items().size(); i++) {
            out.add(string(key, i, items.items().get(i)));
        }
        return out;
    }

    /** Element {@code index} of {@code key}'s list, which must be a string. */
    static String string(String key, int index, ConfigValue item) throws ConfigException {
        if (!(item instanceof ConfigValue.Str s)) {
            throw new ConfigException(item.location(), key,
                    "element " + index + " of `" + key + "' is a list but should be a string");
        }
        return s.value();
    }

    /** {@code xlu_cfg_get_long}. */
    public OptionalLong longValue(String key) throws ConfigException {
        return boundedLong(key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** {@code xlu_cfg_get_bounded_long}: a number from {@code min} to {@code max}. */
    public OptionalLong boundedLong(String key, long min, long max) throws ConfigException {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        Setting s = settings.get(key);
        Location where = s.value().location();
        if (s.added()) {
            throw new ConfigException(where, key, "can't use += with numbers for parameter `" + key + "'");
        }
        String t = text.get();
        CNumbers.Parsed n = CNumbers.strtol(t, 0, 0);
        if (n.overflow()) {
            throw new ConfigException(where, key,
                    "parameter `" + key + "' could not be parsed as a number: Numerical result out of range");
        }
        if (n.end() == 0 || !n.consumedAll(t)) {
            throw new ConfigException(where, key, "parameter `" + key + "' is not a valid number");
        }
        if (n.value() < min) {
            throw new ConfigException(where, key,
                    "parameter `" + key + "': value `" + n.value() + "' is smaller than minimum bound '" + min + "'");
        }
        if (n.value() > max) {
            throw new ConfigException(where, key,
                    "parameter `" + key + "': value `" + n.value() + "' is greater than maximum bound '" + max + "'");
        }
        return OptionalLong.of(n.value());
    }

    /** {@code xlu_cfg_get_defbool}: a number, true unless 0 ({@code "yes"} is not a number). */
    public Optional<Boolean> bool(String key) throws ConfigException {
        OptionalLong n = longValue(key);
        return n.isPresent() ? Optional.of(n.getAsLong() != 0) : Optional.empty();
    }

    @Override
    public String toString() {
        return source + " " + settings.values();
    }
}
