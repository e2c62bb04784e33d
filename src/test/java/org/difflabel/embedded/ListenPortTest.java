package org.difflabel.embedded;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded servers' ports: the well-known one when free, the next free one up when taken. */
class ListenPortTest {

    @Test
    void takesThePreferredPortWhenItIsFree() {
        int free = ListenPort.choose(0);
        assertThat(ListenPort.choose(free)).isEqualTo(free);
    }

    @Test
    void movesUpToTheNextFreePortWhenThePreferredOneIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            int chosen = ListenPort.choose(port);
            assertThat(chosen).isGreaterThan(port).isLessThan(port + ListenPort.SPAN);
            assertThat(ListenPort.isFree(chosen)).isTrue();
            for (int p = port + 1; p < chosen; p++) {
                assertThat(ListenPort.isFree(p)).as("port %d, skipped", p).isFalse();
            }
        }
    }

    @Test
    void aPortTakenOnAllAddressesCountsAsTaken() throws Exception {
        try (ServerSocket wildcard = new ServerSocket(0)) {
            assertThat(ListenPort.choose(wildcard.getLocalPort())).isNotEqualTo(wildcard.getLocalPort());
        }
    }

    @Test
    void zeroMeansAnyFreePort() {
        int any = ListenPort.choose(0);
        assertThat(any).isPositive();
        assertThat(ListenPort.isFree(any)).isTrue();
    }
}
