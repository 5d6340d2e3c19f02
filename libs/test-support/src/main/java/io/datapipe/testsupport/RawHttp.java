package io.datapipe.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Sends one HTTP/1.1 request over a plain socket and reads the status the server answered, for requests the
 * server refuses before reading them to the end (an over-long request line, oversized headers or body).
 *
 * <p>A server that refuses such a request answers and closes the connection with the rest of the request
 * unread, so its kernel resets the connection. An HTTP client still writing at that moment reports the
 * reset and drops the answer, so a test through one passes or fails depending on timing. The answer is
 * already in this socket's receive queue before the reset arrives, so this class ignores a failed write
 * and reads it.
 */
public final class RawHttp {

    private static final int MAX_STATUS_LINE = 1024;

    private RawHttp() {
    }

    /** The bytes of a request: the request line, {@code Host}, the given headers, {@code Content-Length} and the body. */
    public static byte[] request(String method, URI base, String pathAndQuery, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Connection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** Sends {@code request} to the server at {@code base} and returns the status code it answered. */
    public static int status(URI base, byte[] request, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
            } catch (IOException refusedBeforeTheEnd) {
                // The server answered and closed before reading everything; its answer is read below.
            }
            String statusLine = readLine(socket.getInputStream());
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + statusLine);
            }
            return Integer.parseInt(parts[1]);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0 || line.size() > MAX_STATUS_LINE) {
                throw new IOException("no status line; read: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
