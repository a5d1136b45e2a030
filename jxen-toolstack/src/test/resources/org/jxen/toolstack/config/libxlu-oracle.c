/*
 * Xen's own libxlu (libxlutil.so from Debian's libxen-dev) answering the questions jxen's parser
 * answers, for LibxluOracle. One request per input line, one answer per request, ending "END":
 *
 *   cfg HEX KEY...   parse config bytes; rc, then per key its value and its strtol reading
 *   disk HEX...      xlu_disk_parse of one or more specs; rc, then libxl's JSON of the disk
 *   rate HEX         xlu_vif_parse_rate; rc, then bytes per interval and the interval
 *
 * HEX is the bytes in hex ("-" for none). Every line libxlu reports comes back as "R: line".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

static size_t unhex(const char *h, char *out) {
    size_t n = 0;
    if (!strcmp(h, "-")) return 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (char)v;
    }
    return n;
}

static void quoted(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        printf(*p >= 32 && *p < 127 && *p != '"' && *p != '\\' ? "%c" : "\\x%02x", *p);
    putchar('"');
}

static void value(const XLU_Config *c, XLU_ConfigValue *v) {
    if (xlu_cfg_value_type(v) == XLU_STRING) {
        char *s;
        xlu_cfg_value_get_string(c, v, &s, 1);
        quoted(s);
        return;
    }
    XLU_ConfigList *l;
    xlu_cfg_value_get_list(c, v, &l, 1);
    putchar('[');
    for (int i = 0;; i++) {
        XLU_ConfigValue *e = xlu_cfg_get_listitem2(l, i);
        if (!e) break;
        if (i) putchar(',');
        value(c, e);
    }
    putchar(']');
}

static void report(char *text) {
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        printf("R: %s\n", line);
}

int main(void) {
    static char line[1 << 22], data[1 << 21];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *save, *mode = strtok_r(line, " ", &save);
        char *text;
        size_t len;
        errno = 0; /* libxlu_vif.c tests errno after strtoull without clearing it first */
        FILE *r = open_memstream(&text, &len);
        XLU_Config *c = xlu_cfg_init(r, "t.cfg");
        if (!strcmp(mode, "cfg")) {
            size_t n = unhex(strtok_r(NULL, " ", &save), data);
            int e = xlu_cfg_readdata(c, data, (int)n);
            printf("rc=%d\n", e);
            for (char *k; !e && (k = strtok_r(NULL, " ", &save));) {
                const char *s;
                XLU_ConfigList *l;
                int entries;
                long v;
                printf("%s: ", k);
                int g = xlu_cfg_get_string(c, k, &s, 1);
                if (g == ESRCH) {
                    printf("absent\n");
                } else if (!g) {
                    quoted(s);
                    int le = xlu_cfg_get_long(c, k, &v, 1);
                    if (le) printf(" longerr=%d\n", le); else printf(" long=%ld\n", v);
                } else {
                    xlu_cfg_get_list(c, k, &l, &entries, 1);
                    putchar('[');
                    for (int i = 0; i < entries; i++) {
                        if (i) putchar(',');
                        value(c, xlu_cfg_get_listitem2(l, i));
                    }
                    printf("]\n");
                }
            }
        } else if (!strcmp(mode, "disk")) {
            const char *specs[16];
            int n = 0;
            for (char *h; n < 16 && (h = strtok_r(NULL, " ", &save));) {
                size_t m = unhex(h, data);
                data[m] = 0;
                specs[n++] = strdup(data);
            }
            libxl_device_disk disk;
            libxl_device_disk_init(&disk);
            int e = xlu_disk_parse(c, n, specs, &disk);
            printf("rc=%d\n", e);
            if (!e) {
                char *json = libxl_device_disk_to_json(NULL, &disk);
                for (char *p = json; p && *p; p++) if (*p == '\n') *p = ' ';
                printf("json: %s\n", json ? json : "(null)");
                free(json);
            }
            libxl_device_disk_dispose(&disk);
            for (int i = 0; i < n; i++) free((void *)specs[i]);
        } else if (!strcmp(mode, "rate")) {
            size_t m = unhex(strtok_r(NULL, " ", &save), data);
            data[m] = 0;
            libxl_device_nic nic;
            libxl_device_nic_init(&nic);
            int e = xlu_vif_parse_rate(c, data, &nic);
            printf("rc=%d\n", e);
            if (!e) printf("bytes=%llu usecs=%u\n", (unsigned long long)nic.rate_bytes_per_interval, nic.rate_interval_usecs);
            libxl_device_nic_dispose(&nic);
        }
        xlu_cfg_destroy(c);
        fclose(r);
        report(text);
        free(text);
        printf("END\n");
        fflush(stdout);
    }
    return 0;
}
