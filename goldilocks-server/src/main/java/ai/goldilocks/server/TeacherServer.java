package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Goldilocks teacher as an HTTP/JSON service (the paper's Appendix A): one server serves one
 * training run, and every rank of a distributed trainer asks it for the questions of a step and
 * sends it the rewards.
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code GET /health}: 200 while the process lives (no authentication).
 *   <li>{@code GET /ready}: 200 once the pool is loaded and the state restored, else 503.
 *   <li>{@code GET /metrics}: Prometheus text.
 *   <li>{@code POST /v1/picks {"step": S, "n": N}} &rarr; {@code {"step": S, "picks": [{"id", "text",
 *       "predictedUtility"}]}}. Idempotent per step: every caller asking for step S gets the same
 *       picks, also after a restart; the same S with another N is 409.
 *   <li>{@code POST /v1/rewards {"step": S, "results": [{"id", "rewards": [...], "rollouts": [...]}]}}
 *       &rarr; counts of accepted, duplicate, stale and completed items and a list of rejected ones
 *       with reasons. {@code rollouts} (optional) names which members of the group of G the
 *       rewards belong to, so a group may arrive in parts from several ranks; without it the item
 *       must hold all G rewards. A group goes to the teacher once, when all G have arrived; a
 *       repeated post is a duplicate, never learned twice.
 *   <li>{@code POST /v1/checkpoint} &rarr; {@code {"checkpoint": name}}.
 * </ul>
 * Errors are {@code {"error": {"type", "message"}}} with status 400 (malformed), 401 (token),
 * 404, 405, 409 (conflict), 413 (body too large), 422 (invalid value) or 503 (not ready).
 *
 * <h2>One run per server</h2>
 * Every request but {@code /health} may carry {@code Goldilocks-Run: <run id>} (1-128 characters
 * of {@code [A-Za-z0-9._:-]}, else 400 {@code invalid_request}). The first request that carries
 * one, or {@link Builder#runId}, binds the state to that run, durably with a state directory
 * ({@code run.json}); a request naming another run is 409 {@code run_mismatch} and changes
 * nothing. Requests without the header are accepted. {@code /ready} reports the bound run.
 *
 * <h2>Durability</h2>
 * With a state directory, every change is appended to a checksummed journal and fsynced before it
 * is acknowledged (concurrent requests share fsyncs); checkpoints are written atomically. On start
 * the server restores the newest valid checkpoint and replays the journal after it, so nothing
 * acknowledged is lost, also to {@code kill -9}; a journal or checkpoint written with other options
 * stops the start. A failed write changes nothing and answers 503, and the server then refuses
 * changes until it is restarted.
 *
 * <h2>Security and limits</h2>
 * With a token, every endpoint but {@code /health} requires {@code Authorization: Bearer <token>}
 * (compared in constant time). Without one, requests from web pages ({@code Origin}) are refused,
 * and on a loopback address so is a {@code Host} that is not a loopback name. The server binds to
 * 127.0.0.1 unless told otherwise. Slow clients hold no worker thread; silent connections close
 * after {@link Builder#idleTimeout}; connections are bounded in all and per client address.
 */
public final class TeacherServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherServer.class);
  /** The longest id or value a message echoes back. */
  private static final int ECHO = 64;

  private final Builder config;
  private final RunBinding run;
  private final Server http;
  private final ServerConnector connector;
  private final boolean checkHost;
  private volatile TeacherService service;
  private volatile Throwable startFailure;
  private final Thread loader;

  private TeacherServer(Builder b) throws IOException {
    this.config = b;
    this.run = RunBinding.open(b.stateDir, b.runId);
    InetAddress bound = InetAddress.getByName(b.host);
    this.checkHost = b.token == null && bound.isLoopbackAddress();
    if (b.token == null && !bound.isLoopbackAddress()) {
      LOG.warn("serving {} without a token: anyone who can reach this address can post rewards; set GOLDILOCKS_TOKEN",
          b.host);
    }
    // Jetty reads headers and bodies without holding a thread (non-blocking I/O): a slow client
    // costs its own connection only. Idle connections close after the idle timeout; connections
    // are bounded overall and per client address.
    QueuedThreadPool threads = new QueuedThreadPool(b.threads + 2, Math.min(b.threads + 2, 4));
    threads.setName("goldilocks-http");
    threads.setDaemon(true);
    threads.setReservedThreads(0);
    this.http = new Server(threads);
    HttpConfiguration hc = new HttpConfiguration();
    hc.setSendServerVersion(false);
    hc.setSendDateHeader(false);
    this.connector = new ServerConnector(http, 1, 1, new HttpConnectionFactory(hc));
    connector.setHost(b.host);
    connector.setPort(b.port);
    connector.setIdleTimeout(b.idleTimeout.toMillis());
    connector.setAcceptQueueSize(256);
    connector.addBean(new PerClientLimit(b.maxConnectionsPerClient));
    http.addConnector(connector);
    http.addBean(new NetworkConnectionLimit(b.maxConnections, connector));
    http.setHandler(new Api());
    try {
      http.start();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not start the HTTP server on " + b.host + ":" + b.port + ": " + e.getMessage(), e);
    }
    this.loader = new Thread(this::load, "goldilocks-loader");
    loader.setDaemon(true);
    loader.start();
  }

  /** A builder; the pool (or a loader of it) is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on (the chosen one when configured with 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8080}. */
  public String url() {
    return "http://" + config.host + ":" + port();
  }

  /** Whether the pool is loaded and the state restored. */
  public boolean isReady() {
    return service != null;
  }

  /**
   * Waits until the server is ready.
   *
   * @throws IOException if loading the pool or restoring the state failed
   */
  public void awaitReady(long timeout, TimeUnit unit) throws IOException, InterruptedException {
    loader.join(unit.toMillis(timeout));
    if (startFailure != null) {
      throw new IOException("the server could not start: " + startFailure.getMessage(), startFailure);
    }
    if (service == null) {
      throw new IOException("the server is not ready after " + timeout + " " + unit);
    }
  }

  /** Writes a checkpoint now; returns its file name. */
  public String checkpoint() throws IOException {
    TeacherService s = service;
    if (s == null) {
      throw new IOException("the server is not ready");
    }
    return s.checkpoint();
  }

  private void load() {
    try {
      long t0 = System.nanoTime();
      QuestionPool pool = config.poolLoader.call();
      UtilityPredictor base = config.teacher == null ? FeaturePredictor.builder().seed(config.seed).build()
          : config.teacher.apply(pool);
      TimedPredictor teacher = new TimedPredictor(base);
      GoldilocksSampler sampler = GoldilocksSampler.builder(pool).predictor(teacher).candidates(config.candidates)
          .epsilon(config.epsilon).seed(config.seed).rewardRange(config.rewardLow, config.rewardHigh)
          .maxPolicyLag(config.maxStepLag)
          // a request never waits for teacher training (it would hold the service's lock); the lag is in the metrics
          .maxTeacherLag(Integer.MAX_VALUE).build();
      RunConfig runConfig = new RunConfig(RunConfig.poolFingerprint(pool), config.groupSize, config.candidates,
          config.epsilon, config.seed, base.name(), config.rewardLow, config.rewardHigh);
      TeacherService s = new TeacherService(pool, sampler, teacher, config.groupSize, config.keepSteps,
          config.checkpointEvery, config.stateDir, runConfig, config.disk);
      s.start();
      service = s;
      LOG.info("ready on {}: {} questions, {} ({} ms)", url(), pool.size(), runConfig.toJson(), (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException e) {
      startFailure = e; // the state or the options: the message says what and what to do
      LOG.error("the server could not start: {}", e.getMessage());
    } catch (Throwable e) {
      startFailure = e;
      LOG.error("the server could not start", e);
    }
  }

  // ---------------------------------------------------------------- HTTP

  /** One request: Jetty's request, response and completion callback. */
  private record Exchange(Request request, Response response, Callback callback) {}

  private final class Api extends Handler.Abstract {
    Api() {
      super(InvocationType.BLOCKING);
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
  }

  private void route(Exchange ex) {
    String path = ex.request.getHttpURI().getPath();
    String method = ex.request.getMethod();
    if ("/health".equals(path)) {
      requireMethod(ex, method, "GET");
      sendText(ex, 200, "ok\n", "text/plain");
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
        sendJson(ex, 200, o);
      }
      case "/metrics" -> {
        requireMethod(ex, method, "GET");
        sendText(ex, 200, ready().metrics(), "text/plain; version=0.0.4");
      }
      case "/v1/picks" -> {
        requireMethod(ex, method, "POST");
        readBody(ex, body -> {
          JsonObject o = json(body);
          return ready().picks(longField(o, "step"), longField(o, "n"));
        });
      }
      case "/v1/rewards" -> {
        requireMethod(ex, method, "POST");
        readBody(ex, body -> {
          JsonObject o = json(body);
          JsonElement results = o.get("results");
          if (results == null || !results.isJsonArray()) {
            throw ApiException.badRequest("\"results\" must be an array");
          }
          return ready().rewards(longField(o, "step"), results.getAsJsonArray()).toString();
        });
      }
      case "/v1/checkpoint" -> {
        requireMethod(ex, method, "POST");
        // the body, if any, is ignored; read it (within the limit) so the connection stays usable
        readBody(ex, body -> {
          JsonObject o = new JsonObject();
          o.addProperty("checkpoint", ready().checkpoint());
          return o.toString();
        });
      }
      default -> throw new ApiException(404, "not_found", "no endpoint " + echo(path));
    }
  }

  /** What a POST does with its body (returns the JSON answer); runs on a worker thread once the whole body has arrived. */
  @FunctionalInterface
  private interface BodyAction {
    String apply(byte[] body) throws IOException;
  }

  /**
   * Reads the body without holding a thread while bytes are awaited (a slow client costs its own
   * connection only), within the body limit, then runs {@code action} and answers.
   */
  private void readBody(Exchange ex, BodyAction action) {
    long declared = ex.request.getLength();
    if (declared > config.maxBodyBytes) {
      throw new ApiException(413, "too_large", "body of " + declared + " bytes exceeds the limit of "
          + config.maxBodyBytes + " bytes (--max-body-bytes)");
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
          Content.Chunk chunk = ex.request.read();
          if (chunk == null) {
            ex.request.demand(this); // called back on a worker thread when more bytes arrive
            return;
          }
          if (Content.Chunk.isFailure(chunk)) {
            Throwable f = chunk.getFailure();
            if (chunk.isLast()) {
              ex.callback.failed(f); // the client went away: nobody to answer
            } else {
              // the idle timeout passed while the body was awaited: answer, and close the connection
              ex.response.getHeaders().put(HttpHeader.CONNECTION, "close");
              sendError(ex, 408, "timeout", "the request body did not arrive within the idle timeout of "
                  + config.idleTimeout.toMillis() + " ms");
            }
            return;
          }
          ByteBuffer b = chunk.getByteBuffer();
          int len = b.remaining();
          if (bytes.size() + (long) len > config.maxBodyBytes) {
            chunk.release();
            throw new ApiException(413, "too_large", "body exceeds the limit of " + config.maxBodyBytes
                + " bytes (--max-body-bytes)");
          }
          byte[] part = new byte[len];
          b.get(part);
          bytes.write(part, 0, len);
          boolean last = chunk.isLast();
          chunk.release();
          if (last) {
            sendText(ex, 200, action.apply(bytes.toByteArray()), "application/json");
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
    TeacherService s = service;
    if (s == null) {
      throw new ApiException(503, startFailure == null ? "not_ready" : "failed",
          startFailure == null ? "loading the pool and restoring the state" : "the server could not start: " + startFailure.getMessage());
    }
    return s;
  }

  /** {@code Authorization: Bearer <token>}; the scheme's case does not matter (RFC 9110, 11.1). */
  private void authorize(Exchange ex) {
    if (config.token == null) {
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
    byte[] expected = config.token.getBytes(StandardCharsets.UTF_8);
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
    if (config.token != null) {
      return;
    }
    String origin = ex.request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null) {
      throw new ApiException(403, "forbidden", "requests from web pages (Origin: " + echo(origin)
          + ") are refused by a server without a token; set GOLDILOCKS_TOKEN to allow them");
    }
    if (checkHost) {
      String host = ex.request.getHttpURI().getHost();
      if (host != null && !isLoopbackName(host)) {
        throw new ApiException(403, "forbidden", "Host '" + echo(host) + "' is not this server's loopback address; "
            + "use http://127.0.0.1:" + port() + " (or set GOLDILOCKS_TOKEN)");
      }
    }
  }

  private boolean isLoopbackName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.endsWith(".localhost") || h.equals(config.host.toLowerCase(Locale.ROOT))
        || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** The {@code Goldilocks-Run} header: malformed is 400; once the state is loaded, binds or must match. */
  private void checkRun(Exchange ex) {
    String h = ex.request.getHeaders().get(RunBinding.HEADER);
    if (h == null) {
      return;
    }
    RunBinding.validate(h.trim(), RunBinding.HEADER + " header");
    if (service != null) {
      run.check(h);
    }
  }

  /** The run this server's state is bound to, or null while no request or option has named one. */
  public String runId() {
    return run.bound();
  }

  private static void requireMethod(Exchange ex, String method, String expected) {
    if (method.equals(expected) || (expected.equals("GET") && method.equals("HEAD"))) {
      return;
    }
    ex.response.getHeaders().put(HttpHeader.ALLOW, expected.equals("GET") ? "GET, HEAD" : expected);
    throw new ApiException(405, "method_not_allowed", "use " + expected);
  }

  private static JsonObject json(byte[] bytes) {
    JsonElement e;
    try {
      e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonParseException | IllegalStateException e2) {
      throw ApiException.badRequest("malformed JSON: " + e2.getMessage());
    }
    if (!e.isJsonObject()) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    return e.getAsJsonObject();
  }

  /**
   * An integer field, within the JSON-safe range |x| <= 2^53 (larger numbers lose digits as
   * doubles); the service checks the tighter bounds of each field.
   */
  static long longField(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer");
    }
    double d = e.getAsDouble();
    if (d != Math.rint(d)) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer, got " + echo(e.toString()));
    }
    if (Math.abs(d) > TeacherService.MAX_SAFE_INTEGER) {
      throw ApiException.unprocessable("\"" + field + "\" = " + echo(e.toString()) + " is beyond the limit of "
          + TeacherService.MAX_SAFE_INTEGER + " (2^53)");
    }
    return (long) d;
  }

  /** A value as a message may quote it: at most {@value #ECHO} characters. */
  static String echo(String s) {
    if (s == null || s.length() <= ECHO) {
      return s;
    }
    return s.substring(0, ECHO) + "... (" + s.length() + " characters)";
  }

  private static void sendJson(Exchange ex, int status, JsonObject body) {
    sendText(ex, status, body.toString(), "application/json");
  }

  private static void sendError(Exchange ex, int status, String type, String message) {
    JsonObject err = new JsonObject();
    err.addProperty("type", type);
    err.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.add("error", err);
    sendJson(ex, status, o);
  }

  private static void sendText(Exchange ex, int status, String body, String contentType) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.response.setStatus(status);
    ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
    ex.response.write(true, ByteBuffer.wrap(b), ex.callback);
  }

  /**
   * Closes a client's connections beyond the per-client bound as they open, so that one client
   * (or attacker) cannot take every connection the server allows.
   */
  private static final class PerClientLimit implements Connection.Listener {
    private final int limit;
    private final ConcurrentHashMap<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
    // the address of each counted connection (a closed socket no longer tells it)
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong lastWarning =
        new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - 20_000_000_000L);

    PerClientLimit(int limit) {
      this.limit = limit;
    }

    @Override
    public void onOpened(Connection c) {
      SocketAddress sa = c.getEndPoint().getRemoteSocketAddress();
      if (!(sa instanceof InetSocketAddress isa)) {
        return;
      }
      InetAddress a = isa.getAddress();
      counted.put(c, a);
      int n = open.computeIfAbsent(a, k -> new AtomicInteger()).incrementAndGet();
      if (n > limit) {
        long refused = this.refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last > 10_000_000_000L && lastWarning.compareAndSet(last, now)) { // one line per 10 s at most
          LOG.warn("closing a connection from {}: it has {} open, the limit is {} (--max-connections-per-client); "
              + "{} refused so far", a.getHostAddress(), n - 1, limit, refused);
        }
        c.getEndPoint().close();
      }
    }

    @Override
    public void onClosed(Connection c) {
      InetAddress a = counted.remove(c);
      if (a != null) {
        open.computeIfPresent(a, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
      }
    }
  }

  /** Stops serving, then closes the teacher and the journal. Does not write a checkpoint. */
  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server failed", e);
    }
    try {
      loader.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TeacherService s = service;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        LOG.warn("closing the journal failed", e);
      }
    }
  }

  /** The largest {@link Builder#maxBodyBytes}: 256 MiB. */
  public static final int MAX_BODY_LIMIT = 256 << 20;

  /** Configures and starts a {@link TeacherServer}. */
  public static final class Builder {
    private Callable<QuestionPool> poolLoader;
    private Function<QuestionPool, UtilityPredictor> teacher;
    private String host = "127.0.0.1";
    private int port = 0;
    private Path stateDir;
    private int groupSize = 8;
    private int candidates = 16;
    private double epsilon = 0.1;
    private long seed = 0;
    private String token;
    private int maxBodyBytes = 8 << 20;
    private int checkpointEvery = 100;
    private int keepSteps = 1024;
    private long maxStepLag = Long.MAX_VALUE;
    private double rewardLow = 0;
    private double rewardHigh = 1;
    private int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private String runId;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxConnections = 1024;
    private int maxConnectionsPerClient = 64;
    private Disk disk = Disk.REAL;

    private Builder() {}

    /**
     * Binds the state to this training run at start (default none: the first request with a
     * {@code Goldilocks-Run} header binds it). {@link #start} fails if the state directory
     * belongs to another run.
     */
    public Builder runId(String runId) {
      if (runId != null && !RunBinding.isValid(runId)) {
        throw new IllegalArgumentException("runId must be 1-128 characters of [A-Za-z0-9._:-], got '" + runId + "'");
      }
      this.runId = runId;
      return this;
    }

    /** The questions (required, or {@link #poolLoader}). */
    public Builder pool(QuestionPool pool) {
      Objects.requireNonNull(pool, "pool");
      this.poolLoader = () -> pool;
      return this;
    }

    /** Loads the questions after the server has started listening ({@code /ready} is 503 until then). */
    public Builder poolLoader(Callable<QuestionPool> loader) {
      this.poolLoader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /** The teacher for the loaded pool (default: {@link FeaturePredictor} with the seed). */
    public Builder teacher(Function<QuestionPool, UtilityPredictor> teacher) {
      this.teacher = Objects.requireNonNull(teacher, "teacher");
      return this;
    }

    /** Interface to bind (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Port (default 0: any free port; see {@link #port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
      }
      this.port = port;
      return this;
    }

    /** Directory for the journal and checkpoints (created if missing; default none: nothing persists). */
    public Builder stateDir(Path dir) {
      this.stateDir = dir;
      return this;
    }

    /** Rollouts per question, G (default 8). */
    public Builder groupSize(int g) {
      if (g < 2 || g > 1 << 16) {
        throw new IllegalArgumentException("groupSize must be in [2, 65536], got " + g);
      }
      this.groupSize = g;
      return this;
    }

    /** Candidates per pick, K (default 16). */
    public Builder candidates(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("candidates must be >= 1, got " + k);
      }
      this.candidates = k;
      return this;
    }

    /** Exploring pick probability (default 0.1). */
    public Builder epsilon(double epsilon) {
      if (!(epsilon >= 0 && epsilon <= 1)) {
        throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
      }
      this.epsilon = epsilon;
      return this;
    }

    /** Seed of the sampler and the default teacher (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Bearer token required on every endpoint but /health (default none). */
    public Builder token(String token) {
      if (token != null && token.isEmpty()) {
        throw new IllegalArgumentException("the token must not be empty");
      }
      if (token != null && (!token.equals(token.strip()) || token.chars().anyMatch(c -> c < 0x21 || c == 0x7f))) {
        // a header value loses its surrounding whitespace on the way: such a token could never match
        throw new IllegalArgumentException("the token must not hold spaces or control characters (a trailing "
            + "newline from a file?); got " + token.length() + " characters");
      }
      this.token = token;
      return this;
    }

    /** Largest accepted request body (default 8 MiB; at most {@value #MAX_BODY_LIMIT}). */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024 || bytes > MAX_BODY_LIMIT) {
        throw new IllegalArgumentException("maxBodyBytes must be in [1024, " + MAX_BODY_LIMIT + "], got " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /** Checkpoint when a step that is a multiple of this is first picked (default 100; 0: never). */
    public Builder checkpointEvery(int steps) {
      if (steps < 0) {
        throw new IllegalArgumentException("checkpointEvery must be >= 0, got " + steps);
      }
      this.checkpointEvery = steps;
      return this;
    }

    /** Steps whose picks are kept for idempotent answers and late rewards (default 1024). */
    public Builder keepSteps(int steps) {
      if (steps < 1) {
        throw new IllegalArgumentException("keepSteps must be >= 1, got " + steps);
      }
      this.keepSteps = steps;
      return this;
    }

    /** Rewards whose step lags the newest rewarded step by more than this are stale (default unlimited). */
    public Builder maxStepLag(long lag) {
      if (lag < 0) {
        throw new IllegalArgumentException("maxStepLag must be >= 0, got " + lag);
      }
      this.maxStepLag = lag;
      return this;
    }

    /** The range rewards lie in (default [0, 1]). */
    public Builder rewardRange(double low, double high) {
      if (!(high > low) || !Double.isFinite(low) || !Double.isFinite(high)) {
        throw new IllegalArgumentException("reward range must be finite with low < high, got [" + low + ", " + high + "]");
      }
      this.rewardLow = low;
      this.rewardHigh = high;
      return this;
    }

    /** HTTP worker threads (default max(4, 2 x cores); at most 1024). */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * A connection that sends or accepts nothing for this long is closed (default 30 s; between
     * 100 ms and 1 hour).
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout == null || timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("idleTimeout must be between 100 ms and 1 hour, got " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Open connections allowed in all (default 1024; further ones wait to be accepted). */
    public Builder maxConnections(int n) {
      if (n < 1 || n > 1 << 20) {
        throw new IllegalArgumentException("maxConnections must be in [1, " + (1 << 20) + "], got " + n);
      }
      this.maxConnections = n;
      return this;
    }

    /** Open connections allowed from one client address (default 64; further ones are closed at once). */
    public Builder maxConnectionsPerClient(int n) {
      if (n < 1 || n > 1 << 20) {
        throw new IllegalArgumentException("maxConnectionsPerClient must be in [1, " + (1 << 20) + "], got " + n);
      }
      this.maxConnectionsPerClient = n;
      return this;
    }

    /** Tests only: the disk operations of the journal and checkpoints, to inject failures. */
    Builder disk(Disk disk) {
      this.disk = Objects.requireNonNull(disk, "disk");
      return this;
    }

    /** Binds and starts serving; the pool loads and the state restores in the background. */
    public TeacherServer start() throws IOException {
      if (poolLoader == null) {
        throw new IllegalStateException("a pool (or pool loader) must be set");
      }
      return new TeacherServer(this);
    }
  }
}
