package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.TeacherOptions;
import ai.goldilocks.core.spi.TeacherProvider;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar goldilocks-server.jar --pool questions.jsonl --state-dir state}: runs a
 * {@link TeacherServer} until SIGTERM or SIGINT, then writes a checkpoint and exits. Prints
 * {@code listening on http://host:port} on stdout once bound (useful with {@code --port 0}).
 */
@Command(name = "goldilocks-server", mixinStandardHelpOptions = true,
    description = "The Goldilocks teacher as an HTTP service. GOLDILOCKS_TOKEN, when set, is the bearer token.")
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class ServerMain implements Callable<Integer> {
  static {
    // the runnable jar's own logging setup (INFO to stderr, keeping stdout for "listening on"),
    // under a name that does not clash with a host's logback.xml when used as a library
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "goldilocks-server-logback.xml");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ServerMain.class);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--pool", required = true,
      description = "JSONL with id and text, or OpenMathReasoning parquet/JSONL (file, directory or glob).")
  String pool;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "0", description = "Port; 0 picks a free one and prints it (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--state-dir", description = "Journal and checkpoints; created if missing; restored on start.")
  Path stateDir;

  @Option(names = "--group-size", defaultValue = "8", description = "Rollouts per question, G (default: ${DEFAULT-VALUE}).")
  int groupSize;

  @Option(names = "--teacher", defaultValue = "features",
      description = "features (default: the CPU feature MLP), or the name of a teacher on the class path (djl: a "
          + "transformer encoder, from scratch or --teacher-model; needs goldilocks-djl and its dependencies, e.g. "
          + "java -cp 'examples/target/goldilocks-examples.jar:examples/target/lib/*' ai.goldilocks.server.ServerMain ...).")
  String teacher;

  @Option(names = "--teacher-head",
      description = "What the teacher learns: success-rate (the default of features and djl, as in benchmark and omr) or "
          + "utility (the paper's head).")
  String teacherHead;

  @Option(names = "--teacher-text-length",
      description = "Characters of each question a djl teacher trained from scratch reads (default: 256).")
  Integer teacherTextLength;

  @Option(names = "--teacher-model",
      description = "With --teacher djl: a local Hugging Face checkpoint directory (Llama / Qwen2, with tokenizer.json) "
          + "whose encoder, with a new head, is the teacher (no download, ever).")
  Path teacherModel;

  @Option(names = "--candidates", defaultValue = "16", description = "Candidates per pick, K (default: ${DEFAULT-VALUE}).")
  int candidates;

  @Option(names = "--epsilon", defaultValue = "0.1", description = "Exploring pick probability (default: ${DEFAULT-VALUE}).")
  double epsilon;

  @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--checkpoint-every", defaultValue = "100",
      description = "Checkpoint when a multiple of this step is first picked; 0: never (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--keep-steps", defaultValue = "1024", description = "Steps whose picks are kept (default: ${DEFAULT-VALUE}).")
  int keepSteps;

  @Option(names = "--teacher-updates", defaultValue = "asynchronous",
      description = "asynchronous (default: the teacher trains in the background; no request waits for it) or "
          + "synchronous (the reward post that completes an update trains it while every request waits: the same "
          + "calls in the same order give the same picks).")
  String teacherUpdates;

  @Option(names = "--exploration", defaultValue = "proportional",
      description = "What exploring picks take: proportional (default: a candidate in proportion to its predicted utility) "
          + "or uniform (any candidate, the paper's epsilon-greedy).")
  String exploration;

  @Option(names = "--max-step-lag", description = "Rewards lagging the newest rewarded step by more are stale (default: unlimited).")
  Long maxStepLag;

  @Option(names = "--max-body-bytes", defaultValue = "8388608", description = "Largest request body (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--threads", description = "HTTP worker threads; a request holds one while its journal fsync runs, "
      + "so this bounds how many requests share an fsync (default: max(16, 4 x cores)).")
  Integer threads;

  @Option(names = "--idle-timeout", defaultValue = "30",
      description = "Seconds after which a silent connection is closed (default: ${DEFAULT-VALUE}).")
  double idleTimeoutSeconds;

  @Option(names = "--max-connections", defaultValue = "1024",
      description = "Open connections in all (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--max-connections-per-client", defaultValue = "64",
      description = "Open connections from one client address (default: ${DEFAULT-VALUE}).")
  int maxConnectionsPerClient;

  @Option(names = "--reward-range", split = ",", description = "LOW,HIGH: the range rewards lie in (default: 0,1).")
  List<Double> rewardRange;

  @Option(names = "--run-id",
      description = "Binds the state to this training run at start; requests naming another run in their "
          + "Goldilocks-Run header get 409 (default: the first request that names one binds it).")
  String runId;

  @Override
  public Integer call() throws Exception {
    Function<QuestionPool, UtilityPredictor> teacherFactory;
    try {
      teacherFactory = teacher(teacher, teacherOptions(), ServiceLoader.load(TeacherProvider.class));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TeacherServer.Builder b;
    try {
      b = builder(teacherFactory);
    } catch (IllegalArgumentException e) {
      // a value out of its bounds: the message names the option and the limit
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TeacherServer server;
    try {
      server = b.start();
    } catch (java.io.IOException e) {
      LOG.error("the server could not start: {}", e.getMessage());
      return 1;
    }
    System.out.println("listening on " + server.url());
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (server.isReady() && stateDir != null) {
          LOG.info("shutting down: checkpoint {}", server.checkpoint());
        }
      } catch (Exception e) {
        LOG.error("checkpoint on shutdown failed; the journal still holds every acknowledged change", e);
      } finally {
        server.close();
        stopped.countDown();
      }
    }, "goldilocks-shutdown"));
    try {
      server.awaitReady(1, TimeUnit.DAYS);
    } catch (java.io.IOException e) {
      LOG.error("{}", e.getMessage());
      server.close();
      return 1;
    }
    stopped.await();
    return 0;
  }

  private TeacherOptions teacherOptions() {
    TeacherTarget head = teacherHead == null ? null : switch (teacherHead) {
      case "success-rate" -> TeacherTarget.SUCCESS_RATE;
      case "utility" -> TeacherTarget.UTILITY;
      default -> throw new IllegalArgumentException("--teacher-head must be success-rate or utility, got '" + teacherHead + "'");
    };
    if (teacherTextLength != null && (teacherTextLength < 2 || teacherTextLength > 1 << 16)) {
      throw new IllegalArgumentException("--teacher-text-length must be in [2, 65536], got " + teacherTextLength);
    }
    return new TeacherOptions(seed, head, teacherTextLength == null ? 0 : teacherTextLength, teacherModel);
  }

  /**
   * The teacher named {@code name} with {@code options}: {@code features} (built in; the head is its
   * only choice), or a {@link TeacherProvider} of that name among {@code providers}.
   *
   * @throws IllegalArgumentException naming the teachers on the class path, or the choice the teacher does not offer
   */
  static Function<QuestionPool, UtilityPredictor> teacher(String name, TeacherOptions options,
      Iterable<TeacherProvider> providers) {
    if (name.equals("features")) {
      if (options.textLength() != 0 || options.model() != null) {
        throw new IllegalArgumentException("--teacher-text-length and --teacher-model apply to --teacher djl; the "
            + "features teacher reads every question whole");
      }
      return pool -> FeaturePredictor.builder().seed(options.seed())
          .target(options.head() == null ? TeacherTarget.SUCCESS_RATE : options.head()).build();
    }
    List<String> names = new java.util.ArrayList<>(List.of("features"));
    for (TeacherProvider p : providers) {
      names.add(p.name());
      if (p.name().equals(name)) {
        return pool -> p.create(pool, options);
      }
    }
    throw new IllegalArgumentException("unknown --teacher '" + name + "'; on the class path: " + String.join(", ", names)
        + " (djl needs goldilocks-djl and its dependencies on the class path)");
  }

  private TeacherServer.Builder builder(Function<QuestionPool, UtilityPredictor> teacherFactory) {
    TeacherServer.Builder b = TeacherServer.builder().poolLoader(() -> PoolFiles.load(pool)).host(host).port(port)
        .stateDir(stateDir).groupSize(groupSize).candidates(candidates).epsilon(epsilon).seed(seed)
        .checkpointEvery(checkpointEvery).keepSteps(keepSteps).maxBodyBytes(maxBodyBytes)
        .maxConnections(maxConnections).maxConnectionsPerClient(maxConnectionsPerClient)
        .idleTimeout(java.time.Duration.ofMillis(Math.round(idleTimeoutSeconds * 1000)))
        .token(token(System.getenv("GOLDILOCKS_TOKEN")));
    b.teacher(teacherFactory).teacherUpdates(updateMode(teacherUpdates)).exploration(exploration(exploration));
    if (teacherTextLength != null || teacherModel != null) {
      b.teacherChoices((teacherTextLength == null ? "" : " text-length=" + teacherTextLength)
          + (teacherModel == null ? "" : " model=" + teacherModel.toAbsolutePath().normalize().getFileName()));
    }
    if (runId != null) {
      if (!RunBinding.isValid(runId)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--run-id must be 1-128 characters of [A-Za-z0-9._:-], got '" + runId + "'");
      }
      b.runId(runId);
    }
    if (maxStepLag != null) {
      b.maxStepLag(maxStepLag);
    }
    if (threads != null) {
      b.threads(threads);
    }
    if (rewardRange != null) {
      if (rewardRange.size() != 2) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--reward-range takes LOW,HIGH");
      }
      b.rewardRange(rewardRange.get(0), rewardRange.get(1));
    }
    return b;
  }

  /** The update mode named by {@code --teacher-updates}. */
  static GoldilocksSampler.UpdateMode updateMode(String name) {
    return switch (name) {
      case "asynchronous" -> GoldilocksSampler.UpdateMode.ASYNCHRONOUS;
      case "synchronous" -> GoldilocksSampler.UpdateMode.SYNCHRONOUS;
      default -> throw new IllegalArgumentException("--teacher-updates must be asynchronous or synchronous, got '" + name + "'");
    };
  }

  /** The exploration named by {@code --exploration}. */
  static GoldilocksSampler.Exploration exploration(String name) {
    return switch (name) {
      case "proportional" -> GoldilocksSampler.Exploration.PROPORTIONAL;
      case "uniform" -> GoldilocksSampler.Exploration.UNIFORM;
      default -> throw new IllegalArgumentException("--exploration must be proportional or uniform, got '" + name + "'");
    };
  }

  /** The token from the environment, without the surrounding whitespace a file or an echo adds (with a warning). */
  static String token(String env) {
    if (env == null || env.isEmpty()) {
      return null;
    }
    String t = env.strip();
    if (!t.equals(env)) {
      LOG.warn("GOLDILOCKS_TOKEN has leading or trailing whitespace ({} characters removed): the token is the rest",
          env.length() - t.length());
    }
    if (t.isEmpty()) {
      throw new IllegalArgumentException("GOLDILOCKS_TOKEN holds only whitespace");
    }
    return t;
  }

  /** Entry point. */
  public static void main(String[] args) {
    int code = new CommandLine(new ServerMain()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
