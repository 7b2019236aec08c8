package ai.goldilocks.examples;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code perf}: selection throughput and memory. */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Selection throughput, latency, teacher-update time and memory.")
final class PerfCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
