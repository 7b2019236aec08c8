package ai.goldilocks.server;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
public final class ServerMain implements Callable<Integer> {
  static {
    // the runnable jar's own logging setup (INFO to stderr, keeping stdout for "listening on"),
    // under a name that does not clash with a host's logback.xml when used as a library
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "goldilocks-server-logback.xml");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ServerMain.class);

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

  @Option(names = "--teacher", defaultValue = "features", description = "features (default) or djl.")
  String teacher;

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

  @Option(names = "--max-step-lag", description = "Rewards lagging the newest rewarded step by more are stale (default: unlimited).")
  Long maxStepLag;

  @Option(names = "--max-body-bytes", defaultValue = "8388608", description = "Largest request body (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--threads", description = "HTTP worker threads (default: max(4, 2 x cores)).")
  Integer threads;

  @Option(names = "--reward-range", split = ",", description = "LOW,HIGH: the range rewards lie in (default: 0,1).")
  List<Double> rewardRange;

  @Option(names = "--run-id",
      description = "Binds the state to this training run at start; requests naming another run in their "
          + "Goldilocks-Run header get 409 (default: the first request that names one binds it).")
  String runId;

  @Override
  public Integer call() throws Exception {
    if (!teacher.equals("features") && !teacher.equals("djl")) {
      throw new CommandLine.ParameterException(new CommandLine(this), "unknown --teacher '" + teacher + "' (features, djl)");
    }
    TeacherServer.Builder b = TeacherServer.builder().poolLoader(() -> PoolFiles.load(pool)).host(host).port(port)
        .stateDir(stateDir).groupSize(groupSize).candidates(candidates).epsilon(epsilon).seed(seed)
        .checkpointEvery(checkpointEvery).keepSteps(keepSteps).maxBodyBytes(maxBodyBytes)
        .token(System.getenv("GOLDILOCKS_TOKEN"));
    if (teacher.equals("djl")) {
      b.teacher(p -> DjlTeacher.create(p, seed));
    }
    if (runId != null) {
      if (!RunBinding.isValid(runId)) {
        throw new CommandLine.ParameterException(new CommandLine(this),
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
        throw new CommandLine.ParameterException(new CommandLine(this), "--reward-range takes LOW,HIGH");
      }
      b.rewardRange(rewardRange.get(0), rewardRange.get(1));
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

  /** Entry point. */
  public static void main(String[] args) {
    int code = new CommandLine(new ServerMain()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
