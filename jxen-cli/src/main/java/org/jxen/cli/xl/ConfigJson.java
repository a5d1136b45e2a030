package org.jxen.cli.xl;

import java.util.List;
import java.util.stream.IntStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jxen.toolstack.config.DiskSpec;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.VifSpec;

/**
 * A domain configuration as {@code xl create -n} and {@code xl list -l} print it: the shape of
 * libxl's {@code libxl_domain_config} in JSON ({@code c_info}, {@code b_info}, {@code disks},
 * {@code nics}, the {@code on_*} actions), wrapped as {@code {"domid": ..., "config": ...}},
 * four spaces in, as yajl's beautifier writes it. Only what jxen reads from the config is there.
 */
final class ConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("    ", "\n"))
            .withArrayIndenter(new DefaultIndenter("    ", "\n"));

    private ConfigJson() {}

    static ObjectNode domain(Integer domid, DomainConfigSpec c) {
        ObjectNode o = JSON.createObjectNode();
        if (domid == null) {
            o.putNull("domid");
        } else {
            o.put("domid", domid);
        }
        ObjectNode config = o.putObject("config");
        ObjectNode cInfo = config.putObject("c_info");
        cInfo.put("type", c.type().xlName());
        cInfo.put("name", c.name());
        c.uuid().ifPresent(u -> cInfo.put("uuid", u.toString()));
        ObjectNode b = config.putObject("b_info");
        b.put("max_vcpus", c.vcpus().max());
        ArrayNode avail = b.putArray("avail_vcpus");
        IntStream.range(0, c.vcpus().count()).forEach(avail::add);
        b.put("max_memkb", c.memory().maxMiB() << 10);
        b.put("target_memkb", c.memory().targetMiB() << 10);
        c.boot().kernel().ifPresent(k -> b.put("kernel", k));
        c.boot().cmdline().ifPresent(k -> b.put("cmdline", k));
        c.boot().ramdisk().ifPresent(k -> b.put("ramdisk", k));
        b.putObject("type." + c.type().xlName());
        if (!c.disks().isEmpty()) {
            ArrayNode disks = config.putArray("disks");
            for (DiskSpec d : c.disks()) {
                disks.add(tree(d.toLibxlJson()));
            }
        }
        if (!c.vifs().isEmpty()) {
            ArrayNode nics = config.putArray("nics");
            for (VifSpec v : c.vifs()) {
                nics.add(tree(v.toLibxlJson()));
            }
        }
        config.put("on_poweroff", c.actions().onPoweroff().xlName());
        config.put("on_reboot", c.actions().onReboot().xlName());
        config.put("on_watchdog", c.actions().onWatchdog().xlName());
        config.put("on_crash", c.actions().onCrash().xlName());
        return o;
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("libxl JSON of a device does not parse: " + e.getOriginalMessage());
        }
    }

    static String print(Object node) {
        try {
            return JSON.writer(PRETTY).writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String list(List<ObjectNode> domains) {
        ArrayNode a = JSON.createArrayNode();
        domains.forEach(a::add);
        return print(a);
    }
}
