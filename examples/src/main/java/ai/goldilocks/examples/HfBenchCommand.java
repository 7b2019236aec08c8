package ai.goldilocks.examples;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hf-bench}: memory and generation speed of a Llama/Qwen2 checkpoint in the DJL policy. With
 * no {@code --checkpoint} it writes a random checkpoint shaped like Qwen2.5-0.5B (BF16, 4 shards
 * with an index) to a temporary directory first.
 */
@Command(name = "hf-bench", mixinStandardHelpOptions = true,
    description = "Load time, memory and tokens/s of a Llama/Qwen2 checkpoint (default: random, Qwen2.5-0.5B-shaped).")
final class HfBenchCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "A Hugging Face checkpoint directory (default: a random 0.5B-shaped one).")
  Path checkpoint;

  @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens generated per completion (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--group-size", defaultValue = "8", description = "Completions sampled together (default: ${DEFAULT-VALUE}).")
  int group;

  @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length (default: ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(names = "--repeats", defaultValue = "1",
      description = "Generations timed per group size; the fastest is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  /** The largest VmRSS this program has read: the kernel syncs its per-thread RSS counters lazily,
   * so a VmHWM read later may lag a VmRSS read earlier by a few pages. */
  private long rssSeen = -1;

  private long rssBytes() throws Exception {
    long rss = status("VmRSS:");
    rssSeen = Math.max(rssSeen, rss);
    return rss;
  }

  /** A memory line of /proc/self/status in bytes: VmRSS (now) or VmHWM (the peak so far). */
  private static long status(String key) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  @Override
  public Integer call() throws Exception {
    checkArgument(repeats >= 1, "--repeats must be >= 1, got %s", repeats);
    Map<String, Object> out = new LinkedHashMap<>();
    Path dir = checkpoint;
    Path tmp = null;
    if (dir == null) {
      tmp = Files.createTempDirectory("qwen05b");
      long t0 = System.nanoTime();
      dir = RandomCheckpointCommand.writeWeights(tmp, RandomCheckpointCommand.QWEN25_05B, 1, true);
      out.put("checkpoint", "random, Qwen2.5-0.5B shape, BF16, 4 shards");
      out.put("writeSeconds", Json.round((System.nanoTime() - t0) / 1e9, 1));
    } else {
      out.put("checkpoint", dir.toString());
    }
    out.put("checkpointBytes", Files.list(dir).mapToLong(f -> f.toFile().length()).sum());
    // start the engine first: loadSeconds measures loading, as transformers' from_pretrained is
    // timed after torch is imported
    long e0 = System.nanoTime();
    TransformerPolicy.defaultDevice();
    out.put("engineStartSeconds", Json.round((System.nanoTime() - e0) / 1e9, 1));
    System.gc();
    long rssBefore = rssBytes();
    long t0 = System.nanoTime();
    CharTokenizer tok = CharTokenizer.arithmetic(); // ids only: generation speed does not depend on the text
    try (TransformerPolicy p = TransformerPolicy.fromHuggingFace(dir, tok).build()) {
      out.put("loadSeconds", Json.round((System.nanoTime() - t0) / 1e9, 2));
      System.gc();
      out.put("rssBytesAfterLoad", rssBytes());
      out.put("rssBytesAddedByModel", rssBytes() - rssBefore);
      for (java.lang.management.BufferPoolMXBean pool : java.lang.management.ManagementFactory.getPlatformMXBeans(
          java.lang.management.BufferPoolMXBean.class)) {
        if (pool.getName().equals("direct")) {
          out.put("directBufferBytes", pool.getMemoryUsed());
        }
      }
      Runtime rt = Runtime.getRuntime();
      out.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
      out.put("heapCommittedBytes", rt.totalMemory());
      out.put("device", p.device().toString());
      int[] prompt = new int[promptTokens];
      for (int i = 0; i < promptTokens; i++) {
        prompt[i] = 3 + i % 14;
      }
      SamplingConfig s = new SamplingConfig(1.0, 1.0, newTokens, Set.of());
      p.generate(prompt, group, new SamplingConfig(1.0, 1.0, 4, Set.of()), 0); // warm-up
      for (int g : new int[] {1, group}) {
        double sec = Double.POSITIVE_INFINITY;
        int tokens = 0;
        List<Double> all = new java.util.ArrayList<>();
        for (int r = 0; r < repeats; r++) {
          long t1 = System.nanoTime();
          List<Completion> c = p.generate(prompt, g, s, 1);
          double took = (System.nanoTime() - t1) / 1e9;
          all.add(Json.round(took, 2));
          sec = Math.min(sec, took);
          tokens = g * c.get(0).sequence().completion().length;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Json.round(sec, 2));
        m.put("tokensPerSecond", Json.round(tokens / sec, 1));
        m.put("allSeconds", all);
        out.put("generateGroup" + g, m);
        System.err.println("group " + g + ": " + m);
      }
      out.put("rssBytesAfterSampling", rssBytes());
      out.put("rssBytesHighWater", Math.max(status("VmHWM:"), rssSeen)); // the peak, never below a reading
    } finally {
      if (tmp != null) {
        try (var files = Files.walk(tmp)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    output.print(out);
    return 0;
  }
}
