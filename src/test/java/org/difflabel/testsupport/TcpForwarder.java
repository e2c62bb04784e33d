package org.difflabel.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP port that forwards to another: lets a test take a real server out of reach (nothing
 * listens on the port until {@link #start}) and bring it back, without stopping the server.
 */
public final class TcpForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private TcpForwarder(ServerSocket server, String host, int port) {
        this.server = server;
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(host, port);
                    open.add(in);
                    open.add(out);
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "forwarder-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** A port nothing listens on now (to be {@link #start}ed on later). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Listens on {@code listenPort} (loopback) and forwards every connection to {@code host:port}. */
    public static TcpForwarder start(int listenPort, String host, int port) throws IOException {
        return new TcpForwarder(new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress()), host, port);
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "forwarder-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(TcpForwarder::closeQuietly);
    }
}
