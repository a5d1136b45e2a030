package org.jxen.xenstore.store;

import java.util.List;

/**
 * A change that fires watches, as xenstored's fire_watches sees it: the node's path; whether
 * only watches on exactly that path fire ({@code exact}: each node below a removed one, fired
 * one by one with its own path) or also those on its ancestors; and the permissions any of which
 * lets a watcher hear of it (xenstored's watch_permitted: the node's, its parent's, and for
 * SET_PERMS the node's old ones, so a watcher that loses access still hears of it).
 */
public record Change(String path, boolean exact, List<Perms> readers) {
    public Change {
        readers = List.copyOf(readers);
    }
}
