package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Slow and greedy clients cost their own connections only (issue 27, point 1). */
class SlowClientTest {
  /** Generous: a stalled server misses it by far (the old one stalled for as long as the sockets stayed open). */
  private static final int ANSWER_MS = 5_000;

  static TeacherServer start(int threads, Duration idle, int perClient) throws Exception {
    TeacherServer s = TeacherServer.builder().pool(TeacherServerTest.pool(100)).groupSize(4).seed(3).threads(threads)
        .idleTimeout(idle).maxConnectionsPerClient(perClient).start();
    s.awaitReady(60, TimeUnit.SECONDS);
    return s;
  }

  /** One HTTP/1.1 exchange on a fresh connection (optionally from another loopback address); the raw answer. */
  static String raw(int port, String request, String from) throws IOException {
    try (Socket s = new Socket()) {
      if (from != null) {
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      }
      s.connect(new InetSocketAddress("127.0.0.1", port), ANSWER_MS);
      s.setSoTimeout(ANSWER_MS);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String health(int port, String from) throws IOException {
    return raw(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", from);
  }

  /** The slow clients the issue tried: each sends a little and then nothing. */
  private static final String[] SLOW = {
      "G",                                                                  // one byte
      "POST /v1/picks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",          // a partial header
      "POST /v1/picks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 30\r\n\r\n{\"step\": 0,", // a slow body
      "POST /v1/rewards HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n",       // a length, no body
  };

  @Test
  void slowClientsDoNotStopTheServiceAndAreClosedWhenIdle() throws Exception {
    // two worker threads and eight slow sockets: the JDK server gave every thread to them
    try (TeacherServer s = start(2, Duration.ofMillis(1500), 64)) {
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket sock = new Socket("127.0.0.1", s.port());
          sock.getOutputStream().write(SLOW[i % SLOW.length].getBytes(StandardCharsets.ISO_8859_1));
          sock.getOutputStream().flush();
          slow.add(sock);
        }
        Thread.sleep(200); // let the server take them all in
        assertTrue(health(s.port(), null).startsWith("HTTP/1.1 200"), "/health answers while 8 slow sockets are open");
        String picks = raw(s.port(), "POST /v1/picks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Length: 19\r\n\r\n{\"step\": 0, \"n\": 3}", null);
        assertTrue(picks.startsWith("HTTP/1.1 200"), picks);
        // the server closes each of them once it has been silent for the idle timeout
        for (Socket sock : slow) {
          sock.setSoTimeout(ANSWER_MS);
          InputStream in = sock.getInputStream();
          try {
            while (in.read() >= 0) {
              // an error answer (408/400) may come first; then the end of the stream
            }
          } catch (SocketTimeoutException e) {
            throw new AssertionError("a silent connection stayed open past the idle timeout", e);
          } catch (IOException e) {
            // reset by the server: closed too
          }
        }
      } finally {
        for (Socket sock : slow) {
          sock.close();
        }
      }
      assertTrue(health(s.port(), null).startsWith("HTTP/1.1 200"));
    }
  }

  @Test
  void oneClientCannotTakeEveryConnection() throws Exception {
    try (TeacherServer s = start(4, Duration.ofSeconds(30), 3)) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket sock = new Socket("127.0.0.1", s.port());
          sock.getOutputStream().write('G');
          held.add(sock);
        }
        Thread.sleep(200);
        // the fourth connection from the same address is closed at once, answered or not
        try (Socket extra = new Socket("127.0.0.1", s.port())) {
          extra.setSoTimeout(ANSWER_MS);
          OutputStream out = extra.getOutputStream();
          try {
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(-1, extra.getInputStream().read(), "closed without an answer");
          } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection over the per-client limit stayed open", e);
          } catch (IOException e) {
            // reset: closed
          }
        }
        // another client address is served meanwhile
        assertTrue(health(s.port(), "127.0.0.2").startsWith("HTTP/1.1 200"));
      } finally {
        for (Socket sock : held) {
          sock.close();
        }
      }
      Thread.sleep(200); // the server sees the closes
      String again = health(s.port(), null);
      assertTrue(again.startsWith("HTTP/1.1 200"), "the client's slots are free again: " + again);
    }
  }
}
