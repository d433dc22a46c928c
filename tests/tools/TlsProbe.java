// SPDX-License-Identifier: Apache-2.0
// A Java TLS client as CWMS's own Java and the Java clients behind it are:
// JSSE with the default PKIX trust manager and HTTPS endpoint
// identification, trusting only the certificates of one PEM file.
//
//   java TlsProbe PORT NAME ANCHORS.pem
//
// Connects to 127.0.0.1:PORT, sends NAME as SNI (unless it is an IP
// address) and checks the server certificate for NAME. Prints "accept" and
// exits 0 when the handshake completes, prints why and exits 1 when JSSE
// refuses; exits 2 on a usage or setup error and 3 when there was no server
// to judge (no connection, or it stopped answering): tests/lib/tls_clients.sh.
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public final class TlsProbe {
    private static final int TIMEOUT_MS = 20000;

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: TlsProbe PORT NAME ANCHORS.pem");
            System.exit(2);
        }
        SSLContext ctx;
        int port;
        try {
            port = Integer.parseInt(args[0]);
            ctx = context(args[2]);
        } catch (Exception e) {
            System.out.println("setup: " + e);
            System.exit(2);
            return;
        }
        try (Socket raw = connect(port)) {
            handshake(ctx, raw, port, args[1]);
        } catch (SocketTimeoutException e) {
            System.out.println("no answer: " + reason(e));
            System.exit(3);
        } catch (IOException e) {
            System.out.println(reason(e));
            System.exit(1);
        }
        System.out.println("accept");
    }

    /* A trust store holding exactly the certificates of the PEM file. */
    private static SSLContext context(String anchors) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        try (InputStream in = new FileInputStream(anchors)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("anchor" + n++, c);
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException(anchors + " holds no certificate");
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static Socket connect(int port) {
        Socket raw = new Socket();
        try {
            raw.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
            raw.setSoTimeout(TIMEOUT_MS);
        } catch (IOException e) {
            System.out.println("no server: " + reason(e));
            System.exit(3);
        }
        return raw;
    }

    private static void handshake(SSLContext ctx, Socket raw, int port, String name)
        throws IOException {
        /* Layered on a socket to 127.0.0.1, named NAME: the name HTTPS identification checks. */
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, name, port, true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!Character.isDigit(name.charAt(0)) && name.indexOf(':') < 0) {
                p.setServerNames(List.of(new SNIHostName(name)));
            }
            s.setSSLParameters(p);
            s.startHandshake();
        }
    }

    /* The exception and its causes on one line, without repeats. */
    private static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getClass().getSimpleName() + ": " + t.getMessage();
            if (sb.indexOf(String.valueOf(t.getMessage())) < 0) {
                sb.append(sb.length() == 0 ? "" : " <- ").append(m);
            }
        }
        return sb.toString();
    }
}
