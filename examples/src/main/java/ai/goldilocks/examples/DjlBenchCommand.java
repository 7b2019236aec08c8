package ai.goldilocks.examples;

import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code djl-bench}: sampling speed with and without the KV cache, and training-step time. */
@Command(name = "djl-bench", mixinStandardHelpOptions = true,
    description = "DJL policy: sampling tokens/s with and without KV cache, GRPO and SFT step time.")
final class DjlBenchCommand implements Callable<Integer> {
  @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens sampled per completion (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--group-size", defaultValue = "8", description = "Completions sampled together, G (default: ${DEFAULT-VALUE}).")
  int group;

  @Option(names = "--repeats", defaultValue = "5", description = "Timed repetitions; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--warmup-seconds", defaultValue = "2",
      description = "Each measured operation first repeats, untimed, for this long, so the JIT has compiled the Java side as"
          + " in a long training run (default: ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--threads", defaultValue = "0",
      description = "PyTorch intra-op threads for the whole run, set before the engine starts; 0 keeps the SDK's default"
          + " (1, or -Dai.djl.pytorch.num_threads / OMP_NUM_THREADS when set) (default: ${DEFAULT-VALUE}).")
  int threads;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() {
    CharTokenizer tok = CharTokenizer.arithmetic();
    TransformerConfig cfg = TransformerConfig.small(tok.vocabSize(), 96);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", cfg);
    out.put("parameters", cfg.parameterCount());
    if (threads > 0) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    }
    try (TransformerPolicy p = TransformerPolicy.builder(cfg, tok).seed(1).build();
        TransformerPolicy uncached = TransformerPolicy.builder(cfg, tok).seed(1).kvCache(false).build()) {
      out.put("device", p.device().toString());
      out.put("threads", ai.goldilocks.djl.DjlEngine.intraOpThreads());
      out.put("groupSize", group);
      out.put("newTokens", newTokens);
      int[] prompt = tok.encode("12345+67890=");
      SamplingConfig s = new SamplingConfig(1.0, 1.0, newTokens, Set.of());
      for (boolean cache : new boolean[] {true, false}) {
        TransformerPolicy policy = cache ? p : uncached;
        warmUp(() -> policy.generate(prompt, group, s, 0));
        double[] sec = new double[repeats];
        for (int r = 0; r < repeats; r++) {
          long t0 = System.nanoTime();
          List<Completion> c = (cache ? p : uncached).generate(prompt, group, s, r);
          sec[r] = (System.nanoTime() - t0) / 1e9;
          if (c.get(0).sequence().completion().length != newTokens) {
            throw new IllegalStateException("expected " + newTokens + " tokens");
          }
        }
        Arrays.sort(sec);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("secondsPerBatch", Json.round(sec[repeats / 2], 4));
        m.put("tokensPerSecond", Math.round(group * newTokens / sec[repeats / 2]));
        out.put(cache ? "samplingWithCache" : "samplingWithoutCache", m);
        System.err.println((cache ? "with" : "without") + " cache: " + m);
      }
      @SuppressWarnings("unchecked")
      double speedup = ((Number) ((Map<String, Object>) out.get("samplingWithCache")).get("tokensPerSecond")).doubleValue()
          / ((Number) ((Map<String, Object>) out.get("samplingWithoutCache")).get("tokensPerSecond")).doubleValue();
      out.put("cacheSpeedup", Json.round(speedup, 2));

      // a GRPO step of the benchmark's shape: 16 prompts x 8 completions of a few tokens
      List<Sequence> batch = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        for (Completion c : p.generate(tok.encode((1000 + 37 * i) + "+" + (250 + i) + "="), 8, new SamplingConfig(1, 1, 8), i)) {
          batch.add(c.sequence());
        }
      }
      Runnable grpoStep = () -> p.train(batch, 1.0, lp -> {
        double[][] c = new double[lp.length][];
        for (int i = 0; i < lp.length; i++) {
          c[i] = new double[lp[i].length];
          Arrays.fill(c[i], (i % 2 == 0 ? 1e-3 : -1e-3));
        }
        return c;
      });
      warmUp(grpoStep);
      double[] grpo = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        grpoStep.run();
        grpo[r] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(grpo);
      out.put("grpoStepMillis", Json.round(grpo[repeats / 2], 1));
      out.put("grpoStepShape", "128 sequences (16 prompts x 8), <= 20 tokens, forward + backward + AdamW");
      List<Sequence> sft = batch.subList(0, 64);
      warmUp(() -> p.supervisedStep(sft));
      double[] sup = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        p.supervisedStep(sft);
        sup[r] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(sup);
      out.put("sftStepMillis", Json.round(sup[repeats / 2], 1));
    }
    out.put("warmupSeconds", warmupSeconds);
    output.print(out);
    return 0;
  }

  /** Runs {@code op} untimed, at least once, until {@link #warmupSeconds} have passed. */
  private void warmUp(Runnable op) {
    long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      op.run();
    } while (System.nanoTime() < end);
  }
}
