/**
 * The xl.cfg language as Xen's libxlu parses it, and the domain configuration jxen takes from it
 * (xl.cfg(5), xl-disk-configuration(5), xl-network-configuration(5); Xen's
 * {@code tools/libs/util/libxlu_cfg_l.l}, {@code libxlu_cfg_y.y}, {@code libxlu_disk_l.l},
 * {@code libxlu_vif.c} and the parts of {@code tools/xl/xl_parse.c} that read them).
 *
 * <p>Three layers, each usable alone:
 * <ul>
 *   <li>{@link org.jxen.toolstack.config.XlConfig}: the file as settings of strings and lists,
 *       with libxlu's typed getters (numbers and booleans are strings converted on use);</li>
 *   <li>the spec parsers: {@link org.jxen.toolstack.config.DiskSpec},
 *       {@link org.jxen.toolstack.config.VifSpec}, {@link org.jxen.toolstack.config.CpuList};</li>
 *   <li>{@link org.jxen.toolstack.config.DomainConfigSpec}: the typed result jxen builds a domain
 *       from, with one warning line for each key it does not act on
 *       ({@link org.jxen.toolstack.config.XlCfgKeys}).</li>
 * </ul>
 * Every error is a {@link org.jxen.toolstack.config.ConfigException} naming file, line, column and
 * key. Everything here is pure and immutable once built: any thread may call it (in jxend, the
 * thread running an xl command).
 */
package org.jxen.toolstack.config;
