package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.Setting;
import io.runnel.common.config.TopicConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code runnel server --help-config} lists every declared setting with its default, and
 * docs/configuration.md is exactly what {@code --help-config=markdown} prints, so the page cannot drift
 * from the declarations. After changing a setting, regenerate the page with
 * {@code scripts/runnel server --help-config=markdown > docs/configuration.md}.
 */
class ConfigReferenceTest {

    @Test
    void helpConfigListsEverySettingWithItsDefault() {
        CliRunner.Result result = CliRunner.run("server", "--help-config");
        assertThat(result.exitCode()).isZero();
        for (Setting<?> setting : ServerSettings.all()) {
            String shown = setting.defaultText().isEmpty() ? "\"\"" : setting.defaultText();
            assertThat(result.out()).as(setting.key()).contains("  " + setting.key() + " (" + setting.type().name().toLowerCase()
                    + ", default: " + shown);
        }
        TopicConfig.DEFINITION.names().forEach(key -> assertThat(result.out()).contains("  " + key + " ("));
        assertThat(result.out()).contains("broker.heartbeat.interval.ms < broker.session.timeout.ms");
    }

    @Test
    void theConfigurationPageIsGeneratedFromTheDeclarations() throws Exception {
        CliRunner.Result result = CliRunner.run("server", "--help-config=markdown");
        assertThat(result.exitCode()).isZero();
        String page = Files.readString(Path.of("..", "docs", "configuration.md"));
        assertThat(page).as("docs/configuration.md is out of date; regenerate it with "
                + "scripts/runnel server --help-config=markdown > docs/configuration.md").isEqualTo(result.out());
    }

    @Test
    void anUnknownFormatIsAnErrorNamingIt() {
        CliRunner.Result result = CliRunner.run("server", "--help-config=html");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("html");
    }
}
