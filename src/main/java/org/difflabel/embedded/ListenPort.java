package org.difflabel.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Which loopback port an embedded server listens on: a well-known one (9092 for Kafka, 8081 for
 * the registry) when it is free, so the commands people copy from the docs work; else the next
 * free one up, so a second demo or a real Kafka on the machine does not stop this one.
 */
public final class ListenPort {
    /** How many ports above the preferred one are tried. */
    static final int SPAN = 100;

    private ListenPort() {
    }

    /** {@code preferred} when it can be bound on loopback, else the next port up that can; 0: any free port. */
    public static int choose(int preferred) {
        if (preferred == 0) {
            return any();
        }
        for (int port = preferred; port < preferred + SPAN && port <= 65535; port++) {
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + preferred + ".." + (preferred + SPAN - 1));
    }

    /** The port to try after {@code port} failed to bind (taken between the check and the bind). */
    public static int after(int port, int preferred) {
        return preferred == 0 ? any() : choose(port + 1);
    }

    static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as servers bind: a port in TIME_WAIT counts as free
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int any() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
