package io.runnel.common.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference of every setting, generated from the declarations: the server settings of
 * {@link ServerSettings} by section, the topic settings of {@link TopicConfig} and the dynamic broker
 * settings of {@link BrokerDynamicConfig}. {@code runnel server --help-config} prints {@link #text()};
 * {@code docs/configuration.md} is {@link #markdown()} (a test keeps the file equal to it). Stateless;
 * thread-safe.
 */
public final class ConfigDocs {

    /** One row of the reference. */
    private record Row(String key, String type, String defaultText, String valid, String importance, String documentation) {
    }

    /** The last server section: the relations between server settings are listed after it. */
    private static final String SERVER_SECTIONS_END = "Server: " + ServerSettings.Section.TOPIC_DEFAULTS.title();

    private ConfigDocs() {
    }

    /** The reference for a terminal: one block per setting, grouped by section. */
    public static String text() {
        StringBuilder out = new StringBuilder();
        out.append("Runnel server settings: set them in the file of `runnel server --config FILE` or with --override KEY=VALUE.\n");
        sections().forEach((title, rows) -> {
            out.append('\n').append(title).append('\n');
            for (Row row : rows) {
                out.append("  ").append(row.key()).append(" (").append(row.type()).append(", default: ")
                        .append(row.defaultText().isEmpty() ? "\"\"" : row.defaultText());
                if (!row.valid().isEmpty()) {
                    out.append(", valid: ").append(row.valid());
                }
                out.append(")\n      ").append(row.documentation()).append('\n');
            }
        });
        out.append("\nChecked together at start-up\n");
        ServerSettings.CHECKS.forEach(check -> out.append("  ").append(check.rule()).append('\n'));
        out.append("  the log cleaner's memory settings give each of log.cleaner.threads its minimum\n");
        return out.toString();
    }

    /** The reference as the Markdown page docs/configuration.md. */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n")
                .append("<!-- Generated from the setting declarations (ServerSettings, TopicConfig, BrokerDynamicConfig); do not edit.\n")
                .append("     Regenerate with: scripts/runnel server --help-config=markdown > docs/configuration.md -->\n\n")
                .append("Every setting Runnel knows, with its type, default and accepted values. A node reads its settings from\n")
                .append("the file of `runnel server --config FILE` and `--override KEY=VALUE` (server settings, including the\n")
                .append("cluster-wide defaults of topic settings); an unknown key, a bad value or settings that contradict each\n")
                .append("other stop it at start-up with a message naming the keys. `runnel server --help-config` prints the same\n")
                .append("list. Topic settings are set per topic (`runnel topics create --config`, `runnel configs alter`), the\n")
                .append("dynamic broker settings only with `runnel configs alter --entity-type brokers`.\n");
        sections().forEach((title, rows) -> {
            out.append("\n## ").append(title).append("\n\n")
                    .append("| Key | Type | Default | Valid values | Importance | Description |\n")
                    .append("|---|---|---|---|---|---|\n");
            for (Row row : rows) {
                out.append("| `").append(row.key()).append("` | ").append(row.type()).append(" | ")
                        .append(row.defaultText().isEmpty() ? "\"\"" : "`" + cell(row.defaultText()) + "`").append(" | ")
                        .append(cell(row.valid())).append(" | ").append(row.importance()).append(" | ")
                        .append(cell(row.documentation())).append(" |\n");
            }
            if (title.equals(SERVER_SECTIONS_END)) {
                relations(out);
            }
        });
        return out.toString();
    }

    /** The relations between server settings that a node checks when it starts. */
    private static void relations(StringBuilder out) {
        out.append("\n## Server: relations checked at start-up\n\n");
        ServerSettings.CHECKS.forEach(check -> out.append("- `").append(check.rule()).append("`\n"));
        out.append("- `log.cleaner.dedupe.buffer.size` and `log.cleaner.io.buffer.size` give each of the `log.cleaner.threads` ")
                .append("threads at least ").append(ServerSettings.LOG_CLEANER_DEDUPE_BYTES_PER_THREAD_MIN).append(" and ")
                .append(ServerSettings.LOG_CLEANER_IO_BYTES_PER_THREAD_MIN).append(" bytes\n")
                .append("- a controller's `node.id` is one of `controller.quorum.voters`; `listeners` has the listeners its ")
                .append("`process.roles` need, `inter.broker.listener.name` and every `advertised.listeners` name is one of them\n");
    }

    /** Section title -> rows, in the order of the reference. */
    private static Map<String, List<Row>> sections() {
        Map<String, List<Row>> sections = new LinkedHashMap<>();
        for (Setting<?> setting : ServerSettings.all()) {
            sections.computeIfAbsent("Server: " + setting.section(), title -> new ArrayList<>())
                    .add(new Row(setting.key(), typeName(setting.type()), setting.defaultText(), valid(setting.validator()),
                            importance(setting.importance()), setting.documentation()));
        }
        sections.put("Topic settings", rows(TopicConfig.DEFINITION));
        sections.put("Dynamic broker settings", rows(BrokerDynamicConfig.DEFINITION));
        return sections;
    }

    private static List<Row> rows(ConfigDef definition) {
        return definition.configKeys().stream().sorted(Comparator.comparing(ConfigDef.ConfigKey::name))
                .map(key -> new Row(key.name(), typeName(key.type()), defaultText(key.defaultValue()), valid(key.validator()),
                        importance(key.importance()), key.documentation()))
                .toList();
    }

    private static String defaultText(Object value) {
        if (value == null || value == ConfigDef.NO_DEFAULT) {
            return "";
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    private static String valid(ConfigDef.Validator validator) {
        return validator == null ? "" : validator.describe();
    }

    private static String typeName(ConfigDef.Type type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String importance(ConfigDef.Importance importance) {
        return importance.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Text safe inside a Markdown table cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
