package org.jxen.toolstack.api;

import java.util.Map;

/**
 * One HTTP/1.1 request as the control API sees it.
 *
 * @param method the method, as sent ({@code GET})
 * @param path the decoded path, without the query ({@code /v1/domains/web})
 * @param query the query parameters, decoded
 * @param headers header names in lower case
 * @param body the body (Content-Length bytes; empty without one)
 */
public record HttpRequest(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body) {
    public boolean keepAlive() {
        String c = headers.getOrDefault("connection", "");
        return !c.equalsIgnoreCase("close");
    }
}
