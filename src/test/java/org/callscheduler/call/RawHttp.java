package org.callscheduler.call;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client on a socket: it sends the bytes it is given, malformed or not, and reads one answer by
 * its framing (Content-Length, chunked, or up to the close). Every read has a timeout, so a server that never
 * answers, or never closes a connection it said it would close, is a failure rather than a stuck test.
 */
final class RawHttp {

    static final int TIMEOUT_MILLIS = 10_000;

    /** What came back: no status (0) when the server closed the connection without an answer. */
    record Answer(int status, Map<String, String> headers, String body, boolean closed, boolean timedOut) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        boolean isJsonError() {
            String type = header("content-type");
            return type != null && type.startsWith("application/json") && body.trim().startsWith("{")
                    && body.contains("\"error\"");
        }

        @Override
        public String toString() {
            return (timedOut ? "TIMED OUT " : "") + status + " " + headers + " "
                    + (body.length() > 300 ? body.substring(0, 300) + "..." : body) + (closed ? " [closed]" : "");
        }
    }

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    Answer exchange(String request) {
        return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends {@code request} on a new connection and reads the answer. When the answer (or the request) says
     * {@code Connection: close}, also waits for the server to close the connection.
     */
    Answer exchange(byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before it has read all of a request it refuses (a body too large).
            }
            InputStream in = socket.getInputStream();
            try {
                return read(in, new String(request, 0, Math.min(request.length, 8192), StandardCharsets.ISO_8859_1));
            } catch (SocketTimeoutException e) {
                return new Answer(0, Map.of(), "", false, true);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot talk to the test server on port " + port, e);
        }
    }

    private static Answer read(InputStream in, String request) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return new Answer(0, Map.of(), "", true, false);
        }
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        boolean close = "close".equalsIgnoreCase(headers.get("connection"))
                || request.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n")
                || lines[0].startsWith("HTTP/1.0");
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = readChunked(in);
        } else if (close) {
            body = in.readAllBytes();
        } else {
            body = new byte[0];
        }
        boolean closed = false;
        if (close) {
            try {
                in.readAllBytes(); // whatever is left, up to the close; a timeout here means it was never closed
                closed = true;
            } catch (SocketException e) {
                closed = true; // reset by the server: closed as well
            } catch (SocketTimeoutException e) {
                return new Answer(status, headers, new String(body, StandardCharsets.UTF_8), false, true);
            }
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8), closed, false);
    }

    /** The status line and headers, or null when the connection ends before any answer. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            } catch (SocketException e) {
                b = -1;
            }
            if (b < 0) {
                return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
