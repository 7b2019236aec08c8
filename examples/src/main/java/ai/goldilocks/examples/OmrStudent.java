package ai.goldilocks.examples;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.ChatTemplate;
import ai.goldilocks.djl.HfTokenizer;
import ai.goldilocks.djl.TextTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.data.MathProblem;
import ai.goldilocks.grpo.math.MathAnswers;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy {@code omr} trains, how to build it for an arm and how to prompt it: a Hugging Face
 * checkpoint prompted through its chat template, or the fixture's small character-level model
 * (warm-started here, or read from a folder {@code TransformerPolicy.save} wrote).
 *
 * @param kind "hugging-face" or "transformer"
 * @param tokenizer the policy's tokenizer
 * @param weights the checkpoint or saved-policy folder
 * @param prompt the prompt of a problem's text
 * @param stops the tokens that end a completion, or null for the tokenizer's end marker alone
 * @param description what the summary says of the model
 */
record OmrStudent(String kind, TextTokenizer tokenizer, Path weights, Function<String, String> prompt, Set<Integer> stops,
    Object description) {
  private static final Logger LOG = LoggerFactory.getLogger(OmrStudent.class);

  /** Whether this student is a pretrained Hugging Face checkpoint. */
  boolean pretrained() {
    return kind.equals("hugging-face");
  }

  /** A Hugging Face checkpoint: config.json with a model_type, and tokenizer.json. */
  static boolean isHuggingFace(Path dir) throws IOException {
    Path cfg = dir.resolve("config.json");
    if (!Files.isRegularFile(cfg)) {
      throw new IOException("--model " + dir + ": no config.json");
    }
    JsonObject o;
    try {
      o = Json.GSON.fromJson(Files.readString(cfg), JsonObject.class);
    } catch (RuntimeException e) {
      throw new IOException(cfg + ": not valid JSON: " + e.getMessage(), e);
    }
    if (o != null && o.has("model_type")) {
      if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
        throw new IOException("--model " + dir + ": a Hugging Face checkpoint needs its tokenizer.json beside config.json");
      }
      return true;
    }
    return false;
  }

  /**
   * A pretrained checkpoint as the student: its tokenizer, its chat template (with {@code system}
   * as the system message, or none), {@code instruction} after each problem, and the end markers of
   * the common chat families as stop tokens.
   */
  static OmrStudent huggingFace(Path model, String system, String instruction) throws IOException {
    HfTokenizer tok = HfTokenizer.fromCheckpoint(model);
    ChatTemplate template = ChatTemplate.fromCheckpoint(model);
    Set<Integer> stops = new TreeSet<>(Set.of(tok.eosId()));
    for (String end : new String[] {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<|end_of_text|>"}) {
      tok.tokenId(end).ifPresent(stops::add);
    }
    String instr = instruction == null || instruction.isBlank() ? "" : "\n\n" + instruction;
    LOG.info("student: Hugging Face checkpoint {} ({} chat template, stop tokens {})", model, template.family(), stops);
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("checkpoint", model.toString());
    d.put("chatTemplate", template.family().toString());
    d.put("promptExample", template.prompt(system, "<problem>" + instr));
    return new OmrStudent("hugging-face", tok, model, q -> template.prompt(system, q + instr), stops, d);
  }

  /** A small character-level model saved in {@code dir} as the student (its alphabet from its config.json when there). */
  static OmrStudent saved(Path dir, List<MathProblem> problems) throws IOException {
    JsonObject cfg = Json.GSON.fromJson(Files.readString(dir.resolve("config.json")), JsonObject.class);
    CharTokenizer tok = cfg.has("charAlphabet") ? new CharTokenizer(cfg.get("charAlphabet").getAsString()) : fixtureTokenizer(problems);
    return new OmrStudent("transformer", tok, dir, q -> q, null, TransformerPolicy.readConfig(dir));
  }

  /**
   * The fixture's student: a small character-level model warm-started into {@code dir} for
   * {@code steps} supervised steps of 32 training problems each (their boxed answers), unless
   * {@code reuse} and a warm start is already there. {@code skipped} receives the steps refused.
   */
  static OmrStudent warmStarted(Path dir, boolean reuse, List<MathProblem> problems, List<MathProblem> train, int steps, long seed,
      int[] skipped) throws IOException {
    CharTokenizer tok = fixtureTokenizer(problems);
    if (!reuse || !Files.isRegularFile(dir.resolve("model.safetensors"))) {
      int maxLen = 0;
      for (MathProblem p : problems) {
        maxLen = Math.max(maxLen, p.problem().length() + target(p).length() + 2);
      }
      TransformerConfig cfg = new TransformerConfig(tok.vocabSize(), 128, 2, 4, 512, Math.min(512, maxLen + 8));
      try (TransformerPolicy p = TransformerPolicy.builder(cfg, tok).seed(seed).learningRate(1e-3).build()) {
        Rng rng = new Rng(seed);
        skipped[0] = ArmRun.warmStart(p, steps, 1e-3, s -> {
          List<Sequence> b = new ArrayList<>();
          for (int i = 0; i < 32; i++) {
            b.add(sequence(tok, train.get(rng.nextInt(train.size()))));
          }
          return b;
        });
        p.save(dir);
      }
    }
    return new OmrStudent("transformer", tok, dir, q -> q, null, TransformerPolicy.readConfig(dir));
  }

  private static CharTokenizer fixtureTokenizer(List<MathProblem> problems) {
    StringBuilder chars = new StringBuilder("0123456789+-*/=()[]{},.\\^$ ");
    TreeSet<Character> seen = new TreeSet<>();
    for (MathProblem p : problems) {
      for (char c : (p.problem() + target(p)).toCharArray()) {
        seen.add(c);
      }
    }
    for (char c : seen) {
      if (chars.indexOf(String.valueOf(c)) < 0) {
        chars.append(c);
      }
    }
    return new CharTokenizer(chars.toString());
  }

  /**
   * A fresh policy of this student for an arm: the checkpoint loaded (one question's G completions
   * per decoding batch, {@code decodeRows}), or the saved small model.
   */
  TransformerPolicy policy(long seed, double learningRate, int microBatch, int decodeRows) throws IOException {
    if (pretrained()) {
      // one question's G completions per decoding batch: a pretrained model's key/value caches
      // over long completions are what bounds memory (docs/gpu.md)
      return TransformerPolicy.fromHuggingFace(weights, tokenizer).seed(seed).learningRate(learningRate).microBatchSize(microBatch)
          .decodeRows(decodeRows).build();
    }
    TransformerPolicy p = TransformerPolicy.builder(TransformerPolicy.readConfig(weights), tokenizer).seed(seed)
        .learningRate(learningRate).microBatchSize(microBatch).build();
    try {
      p.load(weights);
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** What the fixture's policy is taught to write: the boxed answer. */
  static String target(MathProblem p) {
    String a = MathAnswers.extract(p.generatedSolution() == null ? "" : p.generatedSolution()).orElse(p.expectedAnswer());
    return "\\boxed{" + a + "}";
  }

  private static Sequence sequence(CharTokenizer tok, MathProblem p) {
    int[] t = tok.encode(target(p));
    int[] c = java.util.Arrays.copyOf(t, t.length + 1);
    c[t.length] = tok.eosId();
    return new Sequence(tok.encode(p.problem()), c);
  }
}
