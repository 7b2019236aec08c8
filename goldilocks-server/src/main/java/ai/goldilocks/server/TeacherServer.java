package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apiguardian.api.API;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TeacherServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherServer.class);

  private final Builder config;
  private final RunBinding run;
  private final Server http;
  private final ServerConnector connector;
  private volatile TeacherService service;
  private volatile Throwable startFailure;
  private final Thread loader;
  /** Set by {@link #close}; a start that finishes later does not publish its service. Guarded by this. */
  private boolean closed;

  private TeacherServer(Builder b) throws IOException {
    this.config = b;
    this.run = RunBinding.open(b.stateDir, b.runId);
    InetAddress bound = InetAddress.getByName(b.host);
    boolean checkHost = b.token == null && bound.isLoopbackAddress();
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
    http.setHandler(new HttpApi(new HttpApi.Host() {
      @Override
      public TeacherService service() {
        return service;
      }

      @Override
      public Throwable startFailure() {
        return startFailure;
      }

      @Override
      public int port() {
        return TeacherServer.this.port();
      }
    }, b.token, b.host, checkHost, b.maxBodyBytes, b.idleTimeout.toMillis(), run));
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

  /** Whether {@code s} overrides {@link Sampler#markHandedOut}'s default (which throws). */
  private static boolean canReplay(Sampler s) {
    try {
      return s.getClass().getMethod("markHandedOut", List.class).getDeclaringClass() != Sampler.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
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
   * Waits until the server is ready, at most {@code timeout} (zero or less: checks without waiting).
   *
   * @throws IOException if loading the pool or restoring the state failed, or the server is not
   *     ready in time
   */
  public void awaitReady(long timeout, TimeUnit unit) throws IOException, InterruptedException {
    if (timeout > 0) {
      loader.join(Math.max(1, unit.toMillis(timeout))); // join(0) would wait for ever
    }
    if (startFailure != null) {
      throw new IOException("the server could not start: " + startFailure.getMessage(), startFailure);
    }
    if (service == null) {
      throw new IOException("the server is not ready after " + timeout + " " + unit);
    }
  }

  /** The sampler being served, or null before the server is ready (for this package's tests). */
  Sampler servedSampler() {
    TeacherService s = service;
    return s == null ? null : s.sampler();
  }

  /** Writes a checkpoint now; returns its file name. */
  public String checkpoint() throws IOException {
    TeacherService s = service;
    if (s == null) {
      throw new IOException("the server is not ready");
    }
    return s.checkpoint();
  }

  /** The run this server's state is bound to, or null while no request or option has named one. */
  public String runId() {
    return run.bound();
  }

  private void load() {
    // what this start has built so far: a failed start closes it (a DJL teacher holds native memory,
    // a sampler its update thread)
    Sampler sampler = null;
    UtilityPredictor base = null;
    try {
      long t0 = System.nanoTime();
      QuestionPool pool = config.poolLoader.call();
      TimedPredictor teacher = null;
      String teacherName;
      if (config.sampler != null) {
        sampler = Objects.requireNonNull(config.sampler.apply(pool), "the sampler factory returned null");
        if (sampler.pool() != pool) {
          throw new IllegalArgumentException("the sampler factory must build its sampler on the pool it is given");
        }
        if (config.stateDir != null && !canReplay(sampler)) {
          throw new IllegalArgumentException(sampler.getClass().getName() + " does not implement "
              + "Sampler.markHandedOut, which replaying the journal needs: serve it without a state directory");
        }
        teacherName = "sampler:" + sampler.getClass().getName();
      } else {
        base = config.teacher == null ? FeaturePredictor.builder().seed(config.seed).build()
            : config.teacher.apply(pool);
        teacher = new TimedPredictor(base);
        sampler = GoldilocksSampler.builder(pool).predictor(teacher).candidates(config.candidates)
            .epsilon(config.epsilon).seed(config.seed).rewardRange(config.rewardLow, config.rewardHigh)
            .maxPolicyLag(config.maxStepLag).updateMode(config.teacherUpdates).exploration(config.exploration)
            // asynchronous: a request never waits for teacher training (it would hold the service's lock); the lag
            // is in the metrics. Synchronous: the reward post that completes an update's samples trains it.
            .maxTeacherLag(Integer.MAX_VALUE).build();
        teacherName = base.name() + config.teacherChoices;
      }
      RunConfig runConfig = new RunConfig(RunConfig.poolFingerprint(pool), config.groupSize, config.candidates,
          config.epsilon, config.seed, teacherName, config.rewardLow, config.rewardHigh);
      TeacherService s = new TeacherService(pool, sampler, teacher, config.groupSize, config.keepSteps,
          config.checkpointEvery, config.stateDir, runConfig, config.disk);
      try {
        if (closed()) {
          throw new IOException("the server was closed before it was ready");
        }
        s.start();
        synchronized (this) {
          if (closed) {
            // close() has run and will not see this service: it must not keep the journal open
            throw new IOException("the server was closed before it was ready");
          }
          service = s;
        }
      } catch (IOException | RuntimeException e) {
        closeQuietly(s::close, e); // the sampler, its teacher and the journal it may have opened
        sampler = null;
        base = null;
        throw e;
      }
      LOG.info("ready on {}: {} questions, {} ({} ms)", url(), pool.size(), runConfig.toJson(), (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException e) {
      startFailure = e; // the state or the options: the message says what and what to do
      if (closed()) {
        LOG.info("the server was closed while it started ({}); what the start built is closed", e.getMessage());
      } else {
        LOG.error("the server could not start: {}", e.getMessage());
      }
      release(sampler, base, e);
    } catch (Throwable e) {
      startFailure = e;
      LOG.error("the server could not start", e);
      release(sampler, base, e);
    }
  }

  private synchronized boolean closed() {
    return closed;
  }

  /** Closes what a failed start built: the sampler (which closes its teacher), else the teacher alone. */
  private static void release(Sampler sampler, UtilityPredictor teacher, Throwable failure) {
    if (sampler != null) {
      closeQuietly(sampler::close, failure);
    } else if (teacher != null) {
      closeQuietly(teacher::close, failure);
    }
  }

  private static void closeQuietly(AutoCloseable c, Throwable failure) {
    try {
      c.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Stops serving, then closes the teacher and the journal. Does not write a checkpoint. A start
   * still loading the pool or restoring the state is waited for up to a minute; one that takes
   * longer closes what it built when it ends, and never serves.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true; // a start still running closes what it built instead of serving it
    }
    try {
      http.stop();
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server failed", e);
    }
    try {
      long wait = config.closeWait.toMillis();
      if (wait > 0) {
        loader.join(wait); // join(0) would wait for ever
      }
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
    private Function<QuestionPool, Sampler> sampler;
    private String teacherChoices = "";
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
    private GoldilocksSampler.UpdateMode teacherUpdates = GoldilocksSampler.UpdateMode.ASYNCHRONOUS;
    private GoldilocksSampler.Exploration exploration = GoldilocksSampler.Exploration.PROPORTIONAL;
    private double rewardLow = 0;
    private double rewardHigh = 1;
    private int threads = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
    private String runId;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxConnections = 1024;
    private int maxConnectionsPerClient = 64;
    private Disk disk = Disk.REAL;
    private Duration closeWait = Duration.ofMinutes(1);

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

    /**
     * The sampler to serve instead of the default {@code GoldilocksSampler} (built with the
     * teacher, candidates, epsilon, seed, reward range and step lag set here), e.g. a
     * {@code UniformSampler} as a baseline. The factory builds it on the loaded pool; with a state
     * directory it must implement {@link Sampler#markHandedOut} (the journal's replay needs it),
     * and its own configuration must stay the same across restarts (its class name is checked).
     */
    public Builder sampler(Function<QuestionPool, Sampler> factory) {
      this.sampler = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * The teacher's choices that its name does not tell (e.g. {@code " text-length=128"}): added to
     * the name that the journal and checkpoints record, so a restart with other choices is refused.
     */
    Builder teacherChoices(String choices) {
      this.teacherChoices = Objects.requireNonNull(choices, "choices");
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

    /**
     * When the served Goldilocks sampler's teacher trains (default
     * {@link GoldilocksSampler.UpdateMode#ASYNCHRONOUS ASYNCHRONOUS}: on a background thread, so no
     * request waits for training and which teacher version serves a pick depends on timing).
     * {@link GoldilocksSampler.UpdateMode#SYNCHRONOUS SYNCHRONOUS} trains inside the reward post that
     * completes an update's samples, holding the service's lock: every request waits for it, and
     * the same calls in the same order give the same picks (a reproducible run). Ignored by a
     * {@link #sampler} of the host's own.
     */
    public Builder teacherUpdates(GoldilocksSampler.UpdateMode mode) {
      this.teacherUpdates = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * What the served Goldilocks sampler's exploring picks (probability epsilon) take (default
     * {@link GoldilocksSampler.Exploration#PROPORTIONAL PROPORTIONAL}, rarely a question the teacher
     * is sure the student always solves; {@link GoldilocksSampler.Exploration#UNIFORM UNIFORM}, the
     * paper's epsilon-greedy, any candidate). Ignored by a {@link #sampler} of the host's own.
     */
    public Builder exploration(GoldilocksSampler.Exploration mode) {
      this.exploration = Objects.requireNonNull(mode, "mode");
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

    /**
     * HTTP worker threads (default max(16, 4 x cores); at most 1024). A request holds one while it
     * waits for its journal fsync, so this bounds how many requests share one fsync (group
     * commit); slow clients hold none (bodies are read without a thread).
     */
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

    /** Tests only: how long {@link TeacherServer#close} waits for a start still running (default 1 minute). */
    Builder closeWait(Duration wait) {
      this.closeWait = Objects.requireNonNull(wait, "wait");
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
