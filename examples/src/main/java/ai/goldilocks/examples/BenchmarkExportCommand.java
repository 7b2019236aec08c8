package ai.goldilocks.examples;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark-export}: the questions of {@code benchmark} for one seed, written as JSONL by the
 * very generator {@code benchmark} uses, so that a trainer outside the JVM (the TRL benchmark in
 * {@code clients/python/benchmarks}) trains and evaluates on exactly the same task: the training
 * pool (also a valid {@code goldilocks-server --pool}), the held-out set with answers and digit
 * bands, the probe that stops warm-start stage 2, and the warm start's supervised batches step by
 * step. {@code manifest.json} records the recipe's constants (shares, learning rates, stopping rule,
 * tokenizer alphabet, model size, GRPO settings) so the other side reads them instead of copying them.
 */
@Command(name = "benchmark-export", mixinStandardHelpOptions = true,
    description = "Writes benchmark's pool, held-out set, probe and warm-start batches of a seed as JSONL (same generator as benchmark).")
final class BenchmarkExportCommand implements Callable<Integer> {
  /** Bumped when the files' layout changes; readers check it. */
  static final int FORMAT = 1;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--seed", defaultValue = "1", description = "The benchmark seed whose questions to write (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--pool-size", defaultValue = "12000", description = "Training-pool questions (default: ${DEFAULT-VALUE}, as benchmark).")
  int poolSize;

  @Option(names = "--held-out", defaultValue = "2004", description = "Held-out questions, even across the 6 digit bands (default: ${DEFAULT-VALUE}).")
  int heldOut;

  @Option(names = "--warmup-steps", split = ",", defaultValue = "4000,6000",
      description = "Warm-start steps of the two stages whose batches to write (default: ${DEFAULT-VALUE}, as benchmark).")
  List<Integer> warmupSteps;

  @Option(names = "--no-zero-pad", description = "The earlier task, operands written as they are (as benchmark --no-zero-pad).")
  boolean noZeroPad;

  @Option(names = "--out", required = true, description = "Folder to write into (created; files in it are replaced).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (poolSize < 1 || heldOut < 1) {
      throw new ParameterException(spec.commandLine(), "--pool-size and --held-out must be >= 1, got " + poolSize + " and " + heldOut);
    }
    if (warmupSteps.size() != 2 || warmupSteps.get(0) < 1 || warmupSteps.get(1) < 1) {
      throw new ParameterException(spec.commandLine(), "--warmup-steps takes two numbers >= 1, e.g. 4000,6000; got " + warmupSteps);
    }
    boolean zeroPad = !noZeroPad;
    Files.createDirectories(out);
    List<ArithmeticTask> validation = BenchmarkRecipe.heldOutSet(heldOut, seed, zeroPad);
    List<ArithmeticTask> pool = BenchmarkRecipe.poolSet(poolSize, seed, validation, zeroPad);
    List<ArithmeticTask> probe = BenchmarkRecipe.probeSet(seed, zeroPad);
    writeTasks(out.resolve("pool.jsonl"), pool);
    writeTasks(out.resolve("heldout.jsonl"), validation);
    writeTasks(out.resolve("probe.jsonl"), probe);
    writeWarm(out.resolve("warm-stage1.jsonl"), BenchmarkRecipe.warmRng(seed, 1), BenchmarkRecipe.STAGE1_HARD, warmupSteps.get(0), zeroPad);
    writeWarm(out.resolve("warm-stage2.jsonl"), BenchmarkRecipe.warmRng(seed, 2), BenchmarkRecipe.STAGE2_HARD, warmupSteps.get(1), zeroPad);

    CharTokenizer tok = CharTokenizer.arithmetic();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("seed", seed);
    m.put("zeroPad", zeroPad);
    m.put("maxDigits", BenchmarkRecipe.MAX_DIGITS);
    m.put("easyBands", BenchmarkRecipe.EASY_BANDS);
    m.put("poolQuestions", pool.size());
    m.put("heldOutQuestions", validation.size());
    m.put("probeQuestions", probe.size());
    Map<String, Object> tokenizer = new LinkedHashMap<>();
    tokenizer.put("alphabet", tok.alphabet());
    tokenizer.put("padId", tok.padId());
    tokenizer.put("eosId", tok.eosId());
    tokenizer.put("unkId", 2);
    tokenizer.put("vocabSize", tok.vocabSize());
    m.put("tokenizer", tokenizer);
    TransformerConfig size = TransformerConfig.small(tok.vocabSize(), BenchmarkRecipe.MAX_LENGTH);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("dModel", size.dModel());
    model.put("layers", size.layers());
    model.put("heads", size.heads());
    model.put("ffn", size.ffn());
    model.put("maxLength", size.maxLength());
    m.put("model", model);
    Map<String, Object> warm = new LinkedHashMap<>();
    warm.put("batch", BenchmarkRecipe.WARM_BATCH);
    warm.put("stage1Steps", warmupSteps.get(0));
    warm.put("stage1HardShare", BenchmarkRecipe.STAGE1_HARD);
    warm.put("stage1PeakLr", BenchmarkRecipe.STAGE1_LR);
    warm.put("stage2Steps", warmupSteps.get(1));
    warm.put("stage2HardShare", BenchmarkRecipe.STAGE2_HARD);
    warm.put("stage2PeakLr", BenchmarkRecipe.STAGE2_LR);
    warm.put("floorLr", 1e-4);
    warm.put("warmupStepsRule", "min(50, steps / 4 + 1), linear from peak/warmup, then cosine to floorLr over the stage's steps");
    warm.put("gradientClip", 1.0);
    warm.put("probeEvery", BenchmarkRecipe.PROBE_EVERY);
    warm.put("probeGroup", BenchmarkRecipe.PROBE_GROUP);
    warm.put("stopHardMeanP", BenchmarkRecipe.STAGE2_STOP_HARD_P);
    warm.put("stopRule", "first probe whose hard bands' mean p >= stopHardMeanP; keep that probe's weights or the previous probe's,"
        + " whichever is nearer the target");
    m.put("warmStart", warm);
    Map<String, Object> grpo = new LinkedHashMap<>();
    grpo.put("steps", 600);
    grpo.put("batch", 16);
    grpo.put("groupSize", 8);
    grpo.put("learningRate", 5e-5);
    grpo.put("learningRateWarmup", 0.05);
    grpo.put("temperature", 1.0);
    grpo.put("topP", 1.0);
    grpo.put("maxNewTokens", BenchmarkRecipe.MAX_DIGITS + 2);
    grpo.put("clip", 0.2);
    grpo.put("beta", 0.0);
    grpo.put("weightDecay", 0.0);
    grpo.put("gradientClip", 1.0);
    grpo.put("evalEvery", 20);
    m.put("grpo", grpo);
    Files.writeString(out.resolve("manifest.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(m));
    System.out.println("wrote " + pool.size() + " pool, " + validation.size() + " held-out, " + probe.size() + " probe questions and "
        + warmupSteps.get(0) + "+" + warmupSteps.get(1) + " warm-start batches to " + out.toAbsolutePath());
    return 0;
  }

  /** One question a line: id, text (the prompt), answer, target (what the model must write), digits, operation, carries. */
  private static void writeTasks(Path file, List<ArithmeticTask> tasks) throws IOException {
    Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (ArithmeticTask t : tasks) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", t.id());
        row.put("text", t.prompt());
        row.put("answer", t.answer());
        row.put("target", ReversedAnswerReward.target(t.answer()));
        row.put("digits", t.maxDigits());
        row.put("operation", t.operation());
        row.put("carries", t.carries());
        w.write(gson.toJson(row));
        w.write('\n');
      }
    }
  }

  /** One warm-start step a line: its step number and the prompts and targets of its batch, in order. */
  private static void writeWarm(Path file, Rng rng, double hardShare, int steps, boolean zeroPad) throws IOException {
    Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int s = 0; s < steps; s++) {
        List<String> prompts = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (ArithmeticTask t : BenchmarkRecipe.warmTasks(rng, hardShare, zeroPad)) {
          prompts.add(t.prompt());
          targets.add(ReversedAnswerReward.target(t.answer()));
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", s);
        row.put("prompts", prompts);
        row.put("targets", targets);
        w.write(gson.toJson(row));
        w.write('\n');
      }
    }
  }
}
