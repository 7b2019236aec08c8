package ai.goldilocks.server;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP layer: routes a request, checks the token, the origin and the run, reads the body
 * without holding a thread, turns it into a typed request ({@link ApiJson}), calls the
 * {@link TeacherService} and writes the typed answer or the error. Holds no state of the run.
 */
final class HttpApi extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  /** What the layer needs of its server. */
  interface Host {
    /** The service once ready, else null. */
    TeacherService service();

    /** Why the start failed, or null. */
    Throwable startFailure();

    int port();
  }

  private final Host host;
  private final String token;
  private final String boundHost;
  private final boolean checkHost;
  private final int maxBodyBytes;
  private final long idleTimeoutMillis;
  private final RunBinding run;
  /** The rendered answers of the last few steps' picks (every rank asks for the same step). */
  private final Rendered[] rendered = new Rendered[8];

  private record Rendered(Ledger.Picks picks, byte[] json) {}

  /** One request: Jetty's request, response and completion callback. */
  private record Exchange(Request request, Response response, Callback callback) {}

  HttpApi(Host host, String token, String boundHost, boolean checkHost, int maxBodyBytes, long idleTimeoutMillis,
      RunBinding run) {
    super(InvocationType.BLOCKING);
    this.host = host;
    this.token = token;
    this.boundHost = boundHost;
    this.checkHost = checkHost;
    this.maxBodyBytes = maxBodyBytes;
    this.idleTimeoutMillis = idleTimeoutMillis;
    this.run = run;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange ex = new Exchange(request, response, callback);
    try {
      route(ex);
    } catch (Throwable e) {
      fail(ex, e);
    }
    return true;
  }

  private void route(Exchange ex) {
    String path = ex.request.getHttpURI().getPath();
    String method = ex.request.getMethod();
    if ("/health".equals(path)) {
      requireMethod(ex, method, "GET");
      send(ex, 200, "ok\n".getBytes(StandardCharsets.US_ASCII), "text/plain");
      return;
    }
    authorize(ex);
    checkOrigin(ex);
    checkRun(ex);
    switch (path == null ? "" : path) {
      case "/ready" -> {
        requireMethod(ex, method, "GET");
        TeacherService s = ready();
        JsonObject o = new JsonObject();
        o.addProperty("ready", true);
        o.addProperty("questions", s.pool().size());
        o.addProperty("groupSize", s.groupSize());
        o.addProperty("run", run.bound());
        send(ex, 200, o.toString().getBytes(StandardCharsets.UTF_8), "application/json");
      }
      case "/metrics" -> {
        requireMethod(ex, method, "GET");
        send(ex, 200, ready().metrics().getBytes(StandardCharsets.UTF_8), "text/plain; version=0.0.4");
      }
      case "/v1/picks" -> {
        requireMethod(ex, method, "POST");
        readBody(ex, body -> {
          TeacherService s = ready();
          return render(s, s.picks(ApiJson.picksRequest(body)));
        });
      }
      case "/v1/rewards" -> {
        requireMethod(ex, method, "POST");
        readBody(ex, body -> ApiJson.rewardsAnswer(ready().rewards(ApiJson.rewardsRequest(body))));
      }
      case "/v1/checkpoint" -> {
        requireMethod(ex, method, "POST");
        // the body, if any, is ignored; read it (within the limit) so the connection stays usable
        readBody(ex, body -> {
          JsonObject o = new JsonObject();
          o.addProperty("checkpoint", ready().checkpoint());
          return o.toString().getBytes(StandardCharsets.UTF_8);
        });
      }
      default -> throw new ApiException(404, "not_found", "no endpoint " + Quote.of(path));
    }
  }

  /** A step's picks as JSON, rendered once and then served as bytes. */
  private byte[] render(TeacherService s, Ledger.Picks picks) {
    int slot = (int) (picks.step() & (rendered.length - 1));
    Rendered r = rendered[slot];
    if (r != null && r.picks == picks) {
      return r.json;
    }
    byte[] json = ApiJson.picksAnswer(picks, s.pool());
    rendered[slot] = new Rendered(picks, json); // a race only renders twice
    return json;
  }

  /** What a POST does with its body (returns the JSON answer); runs on a worker thread once the whole body has arrived. */
  @FunctionalInterface
  private interface BodyAction {
    byte[] apply(byte[] body) throws IOException;
  }

  /**
   * Reads the body without holding a thread while bytes are awaited (a slow client costs its own
   * connection only), within the body limit, then runs {@code action} and answers.
   */
  private void readBody(Exchange ex, BodyAction action) {
    long declared = ex.request.getLength();
    if (declared > maxBodyBytes) {
      throw new ApiException(413, "too_large", "body of " + declared + " bytes exceeds the limit of " + maxBodyBytes
          + " bytes (--max-body-bytes)");
    }
    new BodyReader(ex, action, declared > 0 ? (int) declared : 1024).run();
  }

  private final class BodyReader implements Runnable {
    private final Exchange ex;
    private final BodyAction action;
    private final ByteArrayOutputStream bytes;

    BodyReader(Exchange ex, BodyAction action, int expected) {
      this.ex = ex;
      this.action = action;
      this.bytes = new ByteArrayOutputStream(expected);
    }

    @Override
    public void run() {
      try {
        while (true) {
          org.eclipse.jetty.io.Content.Chunk chunk = ex.request.read();
          if (chunk == null) {
            ex.request.demand(this); // called back on a worker thread when more bytes arrive
            return;
          }
          if (org.eclipse.jetty.io.Content.Chunk.isFailure(chunk)) {
            Throwable f = chunk.getFailure();
            if (chunk.isLast()) {
              ex.callback.failed(f); // the client went away: nobody to answer
            } else {
              // the idle timeout passed while the body was awaited: answer, and close the connection
              ex.response.getHeaders().put(HttpHeader.CONNECTION, "close");
              sendError(ex, 408, "timeout", "the request body did not arrive within the idle timeout of "
                  + idleTimeoutMillis + " ms");
            }
            return;
          }
          ByteBuffer b = chunk.getByteBuffer();
          int len = b.remaining();
          if (bytes.size() + (long) len > maxBodyBytes) {
            chunk.release();
            throw new ApiException(413, "too_large", "body exceeds the limit of " + maxBodyBytes
                + " bytes (--max-body-bytes)");
          }
          if (b.hasArray()) {
            bytes.write(b.array(), b.arrayOffset() + b.position(), len);
          } else {
            byte[] part = new byte[len];
            b.get(part);
            bytes.write(part, 0, len);
          }
          boolean last = chunk.isLast();
          chunk.release();
          if (last) {
            send(ex, 200, action.apply(bytes.toByteArray()), "application/json");
            return;
          }
        }
      } catch (Throwable e) {
        fail(ex, e);
      }
    }
  }

  private void fail(Exchange ex, Throwable e) {
    if (e instanceof ApiException a) {
      sendError(ex, a.status, a.type, a.getMessage());
    } else {
      LOG.error("internal error on {} {}", ex.request.getMethod(), ex.request.getHttpURI().getPath(), e);
      sendError(ex, 500, "internal", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private TeacherService ready() {
    TeacherService s = host.service();
    if (s == null) {
      Throwable failure = host.startFailure();
      throw new ApiException(503, failure == null ? "not_ready" : "failed",
          failure == null ? "loading the pool and restoring the state" : "the server could not start: " + failure.getMessage());
    }
    return s;
  }

  /** {@code Authorization: Bearer <token>}; the scheme's case does not matter (RFC 9110, 11.1). */
  private void authorize(Exchange ex) {
    if (token == null) {
      return;
    }
    String h = ex.request.getHeaders().get(HttpHeader.AUTHORIZATION);
    String given = null;
    if (h != null) {
      String t = h.strip();
      int sp = t.indexOf(' ');
      if (sp > 0 && t.substring(0, sp).equalsIgnoreCase("Bearer")) {
        given = t.substring(sp + 1).strip();
      }
    }
    byte[] expected = token.getBytes(StandardCharsets.UTF_8);
    byte[] got = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    if (given == null || !MessageDigest.isEqual(expected, got)) {
      ex.response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"goldilocks\"");
      throw new ApiException(401, "unauthorized", h == null ? "missing Authorization: Bearer <token>"
          : given == null ? "the Authorization header must be Bearer <token>" : "wrong token");
    }
  }

  /**
   * Without a token, a web page must not drive the server: requests carrying {@code Origin} (sent by
   * browsers) are refused, and on a loopback address the {@code Host} must name the loopback (so a
   * rebound DNS name cannot reach it).
   */
  private void checkOrigin(Exchange ex) {
    if (token != null) {
      return;
    }
    String origin = ex.request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null) {
      throw new ApiException(403, "forbidden", "requests from web pages (Origin: " + Quote.of(origin)
          + ") are refused by a server without a token; set GOLDILOCKS_TOKEN to allow them");
    }
    if (checkHost) {
      String h = ex.request.getHttpURI().getHost();
      if (h != null && !isLoopbackName(h)) {
        throw new ApiException(403, "forbidden", "Host '" + Quote.of(h) + "' is not this server's loopback "
            + "address; use http://127.0.0.1:" + host.port() + " (or set GOLDILOCKS_TOKEN)");
      }
    }
  }

  private boolean isLoopbackName(String name) {
    String h = name.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.endsWith(".localhost") || h.equals(boundHost.toLowerCase(Locale.ROOT))
        || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** The {@code Goldilocks-Run} header: malformed is 400; once the state is loaded, binds or must match. */
  private void checkRun(Exchange ex) {
    String h = ex.request.getHeaders().get(RunBinding.HEADER);
    if (h == null) {
      return;
    }
    RunBinding.validate(h.trim(), RunBinding.HEADER + " header");
    if (host.service() != null) {
      run.check(h);
    }
  }

  private static void requireMethod(Exchange ex, String method, String expected) {
    if (method.equals(expected) || (expected.equals("GET") && method.equals("HEAD"))) {
      return;
    }
    ex.response.getHeaders().put(HttpHeader.ALLOW, expected.equals("GET") ? "GET, HEAD" : expected);
    throw new ApiException(405, "method_not_allowed", "use " + expected);
  }

  private static void sendError(Exchange ex, int status, String type, String message) {
    send(ex, status, ApiJson.error(type, message), "application/json");
  }

  private static void send(Exchange ex, int status, byte[] body, String contentType) {
    ex.response.setStatus(status);
    ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    ex.response.write(true, ByteBuffer.wrap(body), ex.callback);
  }
}
