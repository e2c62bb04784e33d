package org.difflabel.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A stand-in registry that answers from a script, in order (the last answer repeats), and
 * records every request: for behaviour a real registry will not show on demand (5xx, odd 404s)
 * and for what the client sends (headers).
 */
final class ScriptedRegistry implements AutoCloseable {

    record Answer(int status, String body) {
    }

    record Request(String method, String path, String authorization) {
    }

    private final HttpServer server;
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();

    private ScriptedRegistry(HttpServer server) {
        this.server = server;
        server.createContext("/", this::answer);
        server.start();
    }

    static ScriptedRegistry http() {
        try {
            return new ScriptedRegistry(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScriptedRegistry https(SSLContext serverContext) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
            return new ScriptedRegistry(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ScriptedRegistry then(int status, String body) {
        synchronized (script) {
            script.add(new Answer(status, body));
        }
        return this;
    }

    String url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://localhost:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        synchronized (script) {
            return List.copyOf(requests);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        Answer answer;
        synchronized (script) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization")));
            answer = script.size() > 1 ? script.poll() : script.peek();
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(answer.status(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
