/**
 * libxl's job: domains and their lifecycle. {@link org.jxen.toolstack.domain.Domains} is what the
 * xl commands and the control API act on; domids, states ({@code rbpscd}), the {@code on_*}
 * actions, consoles and the domain's XenStore tree (docs/misc/xenstore-paths.pandoc) live here.
 */
package org.jxen.toolstack.domain;
