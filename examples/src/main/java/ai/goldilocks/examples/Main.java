package ai.goldilocks.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code goldilocks-examples.jar}. */
@Command(name = "goldilocks-examples", mixinStandardHelpOptions = true,
    description = "Goldilocks programs: sampler simulation and performance measurements.",
    subcommands = {BenchmarkCommand.class, BenchmarkExportCommand.class, OmrCommand.class, SimulateCommand.class,
        PerfCommand.class, DjlBenchCommand.class, DataBenchCommand.class, HfBenchCommand.class, ServiceBenchCommand.class,
        RandomCheckpointCommand.class, MathBenchCommand.class})
public final class Main implements Runnable {

  /** Runs the command line. */
  public static void main(String[] args) {
    // No network, ever: keep DJL (if on the classpath) offline before anything loads it.
    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
