package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
 * With a state directory, every change is appended to a journal and fsynced before it is
 * acknowledged (concurrent requests share fsyncs); checkpoints are written atomically. On start the
 * server restores the newest valid checkpoint and replays the journal after it, so nothing
 * acknowledged is lost, also to {@code kill -9}.
 *
 * <h2>Security</h2>
 * With a token, every endpoint but {@code /health} requires {@code Authorization: Bearer <token>}
 * (compared in constant time). The server binds to 127.0.0.1 unless told otherwise.
 */
public final class TeacherServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherServer.class);

  static {
    // Without TCP_NODELAY the JDK server's small responses wait for the client's delayed ACK:
    // 40 ms per request on Linux loopback. Read once, when the JDK server classes first load.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final Builder config;
  private final RunBinding run;
  private final HttpServer http;
  private final ExecutorService executor;
  private volatile TeacherService service;
  private volatile Throwable startFailure;
  private final Thread loader;

  private TeacherServer(Builder b) throws IOException {
    this.config = b;
    this.run = RunBinding.open(b.stateDir, b.runId);
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(b.threads, r -> {
      Thread t = new Thread(r, "goldilocks-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.http = HttpServer.create(new InetSocketAddress(b.host, b.port), 256);
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
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
    return http.getAddress().getPort();
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
          .maxPolicyLag(config.maxStepLag).build();
      String description = "pool=" + Long.toHexString(pool.fingerprint()) + ",G=" + config.groupSize + ",K="
          + config.candidates + ",epsilon=" + config.epsilon + ",seed=" + config.seed + ",teacher=" + base.name()
          + ",rewards=[" + config.rewardLow + "," + config.rewardHigh + "]";
      TeacherService s = new TeacherService(pool, sampler, teacher, config.groupSize, config.keepSteps,
          config.checkpointEvery, config.rewardLow, config.rewardHigh, config.stateDir, description);
      s.start();
      service = s;
      LOG.info("ready on {}: {} questions, {} ({} ms)", url(), pool.size(), description, (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable e) {
      startFailure = e;
      LOG.error("the server could not start", e);
    }
  }

  // ---------------------------------------------------------------- HTTP

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      try {
        if (path.equals("/health")) {
          requireMethod(method, "GET");
          sendText(ex, 200, "ok\n", "text/plain");
          return;
        }
        authorize(ex);
        checkRun(ex);
        switch (path) {
          case "/ready" -> {
            requireMethod(method, "GET");
            if (startFailure != null) {
              throw new ApiException(503, "failed", "the server could not start: " + startFailure.getMessage());
            }
            if (service == null) {
              throw new ApiException(503, "not_ready", "loading the pool and restoring the state");
            }
            JsonObject o = new JsonObject();
            o.addProperty("ready", true);
            o.addProperty("questions", service.pool().size());
            o.addProperty("groupSize", service.groupSize());
            o.addProperty("run", run.bound());
            sendJson(ex, 200, o);
          }
          case "/metrics" -> {
            requireMethod(method, "GET");
            sendText(ex, 200, ready().metrics(), "text/plain; version=0.0.4");
          }
          case "/v1/picks" -> {
            requireMethod(method, "POST");
            JsonObject body = body(ex);
            sendJson(ex, 200, ready().picks(longField(body, "step"), (int) longField(body, "n")));
          }
          case "/v1/rewards" -> {
            requireMethod(method, "POST");
            JsonObject body = body(ex);
            JsonElement results = body.get("results");
            if (results == null || !results.isJsonArray()) {
              throw ApiException.badRequest("\"results\" must be an array");
            }
            sendJson(ex, 200, ready().rewards(longField(body, "step"), results.getAsJsonArray()));
          }
          case "/v1/checkpoint" -> {
            requireMethod(method, "POST");
            JsonObject o = new JsonObject();
            o.addProperty("checkpoint", ready().checkpoint());
            sendJson(ex, 200, o);
          }
          default -> throw new ApiException(404, "not_found", "no endpoint " + path);
        }
      } catch (ApiException e) {
        sendError(ex, e.status, e.type, e.getMessage());
      } catch (Throwable e) {
        LOG.error("internal error on {} {}", method, path, e);
        sendError(ex, 500, "internal", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
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

  private void authorize(HttpExchange ex) {
    if (config.token == null) {
      return;
    }
    String h = ex.getRequestHeaders().getFirst("Authorization");
    byte[] expected = ("Bearer " + config.token).getBytes(StandardCharsets.UTF_8);
    byte[] got = h == null ? new byte[0] : h.getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, got)) {
      ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"goldilocks\"");
      throw new ApiException(401, "unauthorized", h == null ? "missing Authorization: Bearer <token>" : "wrong token");
    }
  }

  /** The {@code Goldilocks-Run} header: malformed is 400; once the state is loaded, binds or must match. */
  private void checkRun(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst(RunBinding.HEADER);
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

  private static void requireMethod(String method, String expected) {
    if (!method.equals(expected)) {
      throw new ApiException(405, "method_not_allowed", "use " + expected);
    }
  }

  private JsonObject body(HttpExchange ex) throws IOException {
    String len = ex.getRequestHeaders().getFirst("Content-Length");
    if (len != null) {
      try {
        if (Long.parseLong(len.trim()) > config.maxBodyBytes) {
          throw new ApiException(413, "too_large", "body of " + len + " bytes exceeds the limit of " + config.maxBodyBytes);
        }
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("bad Content-Length " + len);
      }
    }
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(config.maxBodyBytes + 1);
    }
    if (bytes.length > config.maxBodyBytes) {
      throw new ApiException(413, "too_large", "body exceeds the limit of " + config.maxBodyBytes + " bytes");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    JsonElement e;
    try {
      e = JsonParser.parseString(text);
    } catch (JsonParseException | IllegalStateException e2) {
      throw ApiException.badRequest("malformed JSON: " + e2.getMessage());
    }
    if (!e.isJsonObject()) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    return e.getAsJsonObject();
  }

  private static long longField(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer");
    }
    double d = e.getAsDouble();
    if (d != Math.rint(d) || Math.abs(d) > 1e15) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer, got " + e);
    }
    return (long) d;
  }

  private static void sendJson(HttpExchange ex, int status, JsonObject body) throws IOException {
    sendText(ex, status, body.toString(), "application/json");
  }

  private static void sendError(HttpExchange ex, int status, String type, String message) throws IOException {
    JsonObject err = new JsonObject();
    err.addProperty("type", type);
    err.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.add("error", err);
    sendJson(ex, status, o);
  }

  private static void sendText(HttpExchange ex, int status, String body, String contentType) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  /** Stops serving, then closes the teacher and the journal. Does not write a checkpoint. */
  @Override
  public void close() {
    http.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
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
      this.token = token;
      return this;
    }

    /** Largest accepted request body (default 8 MiB). */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be >= 1024, got " + bytes);
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

    /** HTTP worker threads (default max(4, 2 x cores)). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, got " + threads);
      }
      this.threads = threads;
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
