package ai.goldilocks.examples;

import static com.google.common.base.Preconditions.checkArgument;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.spi.UtilityPredictor;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.djl.TextTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.djl.TransformerTeacher;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.data.MathProblem;
import ai.goldilocks.grpo.data.OmrReader;
import ai.goldilocks.grpo.data.ReadReport;
import ai.goldilocks.grpo.math.MathAnswers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code omr}: the Goldilocks loop on OpenMathReasoning-format data. The teacher scores the real
 * problem text, the policy writes {@code \boxed{}} answers, the math verifier rewards them. With no
 * options it runs on the bundled fixture (problems this project wrote in the dataset's schema) with
 * a small character-level policy warm-started here. With {@code --model} a Hugging Face checkpoint
 * (Qwen2 / Llama family) is the student, prompted through its chat template; with
 * {@code --teacher-model} the teacher's encoder is a pretrained checkpoint too, as in the paper.
 */
@Command(name = "omr", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Goldilocks GRPO on OpenMathReasoning-format data (bundled fixture by default).")
final class OmrCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OmrCommand.class);

  /** The instruction after each problem in a pretrained student's prompt. */
  static final String DEFAULT_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";

  @Option(names = "--data", description = "A directory, file or glob of OpenMathReasoning parquet shards or JSONL (default: the bundled fixture).")
  String data;

  @Option(names = "--limit", defaultValue = "0", description = "Read at most this many problems (default: no limit).")
  long limit;

  @Option(names = "--model", description = "The student: a Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json, "
      + "optional tokenizer_config.json with a chat template) or a policy written by TransformerPolicy.save. Skips the warm start.")
  Path model;

  @Option(names = "--teacher", defaultValue = "features", description = "features (CPU MLP) or djl (a small transformer encoder "
      + "trained from scratch); ignored with --teacher-model (default: ${DEFAULT-VALUE}).")
  String teacher;

  @Option(names = "--teacher-model", description = "A Hugging Face checkpoint directory whose encoder, with a new utility head, is "
      + "the teacher (the paper's LM teacher).")
  Path teacherModel;

  @Option(names = "--teacher-target", defaultValue = "success-rate", description = "What a transformer teacher learns: success-rate "
      + "(binomial likelihood of each group's outcomes; rewards here are 0/1) or utility (the paper's regression) (default: ${DEFAULT-VALUE}).")
  String teacherTarget;

  @Option(names = "--teacher-lr", description = "Learning rate of a transformer teacher (default: 1e-5 with --teacher-model, 1e-3 otherwise).")
  Double teacherLr;

  @Option(names = "--teacher-update-every", defaultValue = "64", description = "The teacher trains on its window every N "
      + "picked questions (default: ${DEFAULT-VALUE}).")
  int teacherUpdateEvery;

  @Option(names = "--arms", split = ",", defaultValue = "goldilocks,uniform", description = "Samplers to compare (default: ${DEFAULT-VALUE}).")
  List<String> arms;

  @Option(names = "--steps", defaultValue = "150", description = "GRPO steps per arm (default: ${DEFAULT-VALUE}).")
  int steps;

  @picocli.CommandLine.Mixin
  GroupShape shape = new GroupShape();

  @Option(names = "--lr", description = "Policy learning rate, AdamW, ramped over the first tenth of the steps "
      + "(default: 1e-4 for the fixture's model, 1e-6 for a pretrained checkpoint).")
  Double lr;

  @Option(names = "--micro-batch", defaultValue = "0", description = "Sequences per forward/backward pass of the update; gradients "
      + "accumulate over the step's G x B sequences (default: 0, one pass).")
  int microBatch;

  @Option(names = "--max-new-tokens", description = "Longest completion (default: 24 for the fixture's model, 1024 for a pretrained checkpoint).")
  Integer maxNewTokens;

  @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature of rollouts and mean@k (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling of rollouts and mean@k (default: ${DEFAULT-VALUE}).")
  double topP;

  @Option(names = "--system", description = "A system message for a pretrained student's chat template (default: none).")
  String system;

  @Option(names = "--instruction", defaultValue = DEFAULT_INSTRUCTION,
      description = "Appended to each problem in a pretrained student's prompt (default: \"${DEFAULT-VALUE}\").")
  String instruction;

  @Option(names = "--eval-every", defaultValue = "0", description = "Evaluate every N steps (default: 0, a tenth of the steps).")
  int evalEvery;

  @Option(names = "--eval-size", defaultValue = "0", description = "Held-out problems per evaluation (default: 0, all for the fixture, "
      + "200 for a pretrained checkpoint).")
  int evalSize;

  @Option(names = "--eval-k", defaultValue = "4", description = "Samples per held-out problem for mean@k, 0 for greedy only "
      + "(default: ${DEFAULT-VALUE}).")
  int evalK;

  @Option(names = "--checkpoint-every", defaultValue = "0", description = "Write a verified checkpoint of each arm every N steps "
      + "into OUT/ARM/checkpoints (default: 0, none).")
  int checkpointEvery;

  @Option(names = "--resume", description = "Continue the run whose results folder is DIR (it becomes --out): each arm restarts from "
      + "its latest checkpoint, keeping the metrics and evaluations logged up to it.")
  Path resume;

  @Option(names = "--warmup-steps", defaultValue = "600", description = "Supervised warm-start steps of the fixture's model (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--out", defaultValue = "results/omr", description = "Results folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  private int skippedWarmStartSteps;
  private final List<AutoCloseable> closeAtEnd = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (resume != null) {
      if (out != null && !out.equals(Path.of("results/omr")) && !out.normalize().equals(resume.normalize())) {
        throw new IllegalArgumentException("--resume " + resume + " continues that run in place; --out " + out + " differs");
      }
      out = resume;
      if (!Files.isDirectory(resume)) {
        throw new IllegalArgumentException("--resume " + resume + ": no such results folder");
      }
    }
    checkArgument(steps >= 1, "--steps must be >= 1, got %s", steps);
    shape.check();
    Files.createDirectories(out);
    List<MathProblem> problems = readProblems();
    // deterministic split by stable id: a fifth for validation
    List<MathProblem> train = new ArrayList<>();
    List<MathProblem> validation = new ArrayList<>();
    for (MathProblem p : problems) {
      (Long.parseUnsignedLong(p.stableId().substring(4, 12), 16) % 5 == 0 ? validation : train).add(p);
    }
    QuestionPool pool = QuestionPool.of(train.stream().map(MathProblem::toQuestion).toList());
    OmrStudent student = student(problems, train);
    boolean pretrained = student.pretrained();
    double policyLr = lr != null ? lr : pretrained ? 1e-6 : 1e-4;
    int maxNew = maxNewTokens != null ? maxNewTokens : pretrained ? 1024 : 24;
    checkArgument(maxNew >= 1, "--max-new-tokens must be >= 1, got %s", maxNew);
    int heldOut = evalSize > 0 ? Math.min(evalSize, validation.size()) : pretrained ? Math.min(200, validation.size()) : validation.size();
    List<MathProblem> evalSet = validation.subList(0, heldOut);
    SamplingConfig rollout = new SamplingConfig(temperature, topP, maxNew, student.stops());
    int every = evalEvery > 0 ? evalEvery : Math.max(1, steps / 10);
    try {
      Map<String, ArmRun.Result> results = new LinkedHashMap<>();
      for (String arm : arms) {
        results.put(arm, runArm(arm, student, pool, evalSet, rollout, policyLr, every));
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("data", data == null ? "bundled fixture" : data);
      c.put("problems", problems.size());
      c.put("train", train.size());
      c.put("validation", validation.size());
      c.put("evaluated", evalSet.size());
      c.put("student", student.kind());
      c.put("model", student.description());
      c.put("teacher", teacherModel != null ? "lm:" + teacherModel : teacher);
      c.put("teacherTarget", teacherTarget);
      c.put("steps", steps);
      c.put("batch", shape.batch);
      c.put("groupSize", shape.groupSize);
      c.put("learningRate", policyLr);
      c.put("maxNewTokens", maxNew);
      c.put("temperature", temperature);
      c.put("topP", topP);
      c.put("evalK", evalK);
      c.put("resumed", resume != null);
      c.put("skippedWarmStartSteps", skippedWarmStartSteps);
      summary.put("config", c);
      Map<String, Object> armsOut = ArmRun.writeReport(out, summary, results);
      output.print(summary, () -> {
        armsOut.forEach((k, v) -> System.out.println(k + ": " + v));
        System.out.println("results, logs and plots: " + out.toAbsolutePath());
      });
    } finally {
      if (student.tokenizer() instanceof AutoCloseable a) {
        closeAtEnd.add(a);
      }
      for (AutoCloseable a : closeAtEnd) {
        a.close();
      }
    }
    return 0;
  }

  private List<MathProblem> readProblems() throws IOException {
    Path source;
    if (data == null) {
      source = out.resolve("fixture.jsonl");
      try (InputStream in = OmrCommand.class.getResourceAsStream("/omr/fixture.jsonl")) {
        Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
      }
    } else {
      source = Path.of(data);
    }
    OmrReader reader = OmrReader.builder(source.toString()).problemTypes("has_answer_extracted").limit(limit).build();
    List<MathProblem> problems = new ArrayList<>();
    ReadReport report = reader.read(problems::add);
    LOG.info("read {} problems from {} file(s): {} rows, {} filtered, {} duplicates, {} malformed {}, missing columns {}",
        problems.size(), report.files(), report.rowsRead(), report.filteredOut(), report.duplicates(), report.malformedRows(),
        report.malformed(), report.missingColumns());
    if (problems.size() < 40) {
      throw new IllegalArgumentException("need at least 40 problems with answers, got " + problems.size());
    }
    return problems;
  }

  private OmrStudent student(List<MathProblem> problems, List<MathProblem> train) throws IOException {
    if (model != null && OmrStudent.isHuggingFace(model)) {
      return OmrStudent.huggingFace(model, system, instruction);
    }
    if (model != null) {
      return OmrStudent.saved(model, problems);
    }
    int[] skipped = new int[1];
    OmrStudent s = OmrStudent.warmStarted(out.resolve("warmstart"), resume != null, problems, train, warmup, seed, skipped);
    skippedWarmStartSteps = skipped[0];
    return s;
  }

  private ArmRun.Result runArm(String arm, OmrStudent student, QuestionPool pool, List<MathProblem> validation, SamplingConfig rollout,
      double policyLr, int every) throws IOException {
    Path dir = Files.createDirectories(out.resolve(arm));
    Path metrics = dir.resolve("metrics.jsonl");
    Path checkpoints = dir.resolve("checkpoints");
    Path restoreFrom = null;
    if (resume != null) {
      restoreFrom = GrpoTrainer.latestCheckpoint(checkpoints).orElseThrow(() -> new IllegalArgumentException(
          "--resume " + resume + ": arm '" + arm + "' has no complete checkpoint in " + checkpoints));
    } else {
      Files.deleteIfExists(metrics);
    }
    Sampler s = sampler(arm, pool, student);
    try (TransformerPolicy p = student.policy(seed, policyLr, microBatch, shape.groupSize); s) {
      GrpoTrainer.Builder b = GrpoTrainer.builder(p, s, (q, c) -> MathAnswers.verifySolution(q.metadata().get("answer"), c.text())
              .equal() ? 1.0 : 0.0)
          .batchSize(shape.batch).groupSize(shape.groupSize).seed(seed).sampling(rollout).metricsFile(metrics)
          .prompt((Question q) -> student.prompt().apply(q.text()));
      if (checkpointEvery > 0 || resume != null) {
        b.checkpoints(checkpoints, checkpointEvery);
      }
      GrpoTrainer trainer = b.build();
      if (restoreFrom != null) {
        List<String> changed = trainer.restoreCheckpoint(restoreFrom);
        if (!changed.isEmpty()) {
          LOG.warn("{}: resuming with a changed configuration: {}", arm, changed);
        }
      }
      return ArmRun.run(arm, dir, p, s, trainer, steps * shape.rolloutsPerStep(), every, policyLr, Math.max(1, steps / 10),
          (policy, full) -> OmrEvaluation.evaluate(policy, student, validation, rollout, evalK), restoreFrom != null);
    } finally {
      s.close(); // the sampler owns its teacher and closes it (the DJL teacher's native memory)
    }
  }

  private Sampler sampler(String arm, QuestionPool pool, OmrStudent student) throws IOException {
    if (arm.equals("uniform")) {
      return UniformSampler.builder(pool).seed(seed).build();
    }
    if (!arm.equals("goldilocks")) {
      throw new IllegalArgumentException("unknown arm '" + arm + "' (goldilocks, uniform)");
    }
    TeacherTarget target = switch (teacherTarget) {
      case "success-rate" -> TeacherTarget.SUCCESS_RATE;
      case "utility" -> TeacherTarget.UTILITY;
      default -> throw new IllegalArgumentException("unknown --teacher-target '" + teacherTarget + "' (success-rate, utility)");
    };
    UtilityPredictor t;
    if (teacherModel != null) {
      if (!OmrStudent.isHuggingFace(teacherModel)) {
        throw new IllegalArgumentException("--teacher-model " + teacherModel + " is not a Hugging Face checkpoint (config.json with a "
            + "model_type, and tokenizer.json)");
      }
      // the teacher reads the problem text with its own tokenizer
      HfTokenizer tok = HfTokenizer.fromCheckpoint(teacherModel);
      closeAtEnd.add(tok);
      t = TransformerTeacher.fromHuggingFace(teacherModel, tok).target(target)
          .learningRate(teacherLr != null ? teacherLr : 1e-5).seed(seed).build();
    } else {
      t = switch (teacher) {
        case "features" -> FeaturePredictor.builder().seed(seed).build();
        case "djl" -> {
          TextTokenizer tok = student.tokenizer();
          yield TransformerTeacher.builder(new TransformerConfig(tok.vocabSize(), 64, 2, 4, 128, 128), tok).target(target)
              .learningRate(teacherLr != null ? teacherLr : 1e-3).seed(seed).build();
        }
        default -> throw new IllegalArgumentException("unknown teacher '" + teacher + "' (features, djl)");
      };
    }
    return GoldilocksSampler.builder(pool).predictor(t).window(1024).updateEvery(teacherUpdateEvery).epochs(2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(seed).build();
  }
}
