package org.difflabel.images;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Refuses hosts that resolve where a reference must not reach (SSRF): every address a name resolves
 * to is checked, and one bad address refuses the host. Link-local (cloud metadata at
 * 169.254.169.254), multicast and unspecified addresses are always refused; loopback and private
 * networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) only unless allowed by configuration.
 */
final class AddressGuard {
    private final boolean allowLoopback;
    private final boolean allowPrivate;

    AddressGuard(boolean allowLoopback, boolean allowPrivate) {
        this.allowLoopback = allowLoopback;
        this.allowPrivate = allowPrivate;
    }

    /** Resolves {@code host} and checks every address; an unresolvable name is the store's problem (transient). */
    void check(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ImageStoreUnavailableException("cannot resolve image host " + host, e);
        }
        for (InetAddress a : all) {
            String why = refusal(a);
            if (why != null) {
                throw new ImageFetchException(ImageFetchException.Code.IMAGE_REF_BLOCKED_ADDRESS,
                        "image host " + host + " resolves to " + why + " address " + a.getHostAddress()
                                + " (labeler.image.reference.allow-loopback / allow-private-networks)");
            }
        }
    }

    /** Why {@code a} is refused ("loopback", "private", ...), or null when it may be reached. */
    String refusal(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "an unspecified";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local";
        }
        if (a.isMulticastAddress() || isBroadcast(a)) {
            return "a multicast";
        }
        if (a.isLoopbackAddress()) {
            return allowLoopback ? null : "a loopback";
        }
        if (isPrivate(a)) {
            return allowPrivate ? null : "a private";
        }
        return null;
    }

    private static boolean isPrivate(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 10 || first == 0 || first == 172 && second >= 16 && second <= 31
                    || first == 192 && second == 168 || first == 100 && second >= 64 && second <= 127;
        }
        // fc00::/7 unique local; fec0::/10 (deprecated site-local)
        return a instanceof Inet6Address && ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress());
    }

    private static boolean isBroadcast(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3] & 0xff) == 0xff;
    }
}
