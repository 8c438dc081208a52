package io.testbot.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live status page in a real headless Chromium (Debian's chromium and chromium-driver): it follows a running
 * build as its jobs finish, with no reload, shows the verdict at the end, draws the build's timeline, and shows what
 * a build sent (a project named with a script tag) as text.
 */
class StatusPageIT extends Cluster {
    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @Test
    void thePageFollowsABuildAsItRunsWithoutReloadingAndShowsWhatBuildsSendAsText() throws Exception {
        assertThat(CHROMIUM).as("apt-get install chromium chromium-driver").exists();
        assertThat(CHROMEDRIVER).as("apt-get install chromium chromium-driver").exists();
        Path project = Files.createDirectories(dir.resolve("<script>alert(1)"));
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Path release = dir.resolve("release");
        SampleProjects.passing(project, 2);
        SampleProjects.blocked(project, pids, release);
        startServer();
        startRunner("r1", 2);

        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--user-data-dir=" + dir.resolve("chrome"));
        WebDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(url() + "/status");
            assertThat(browser.getPageSource()).as("no token yet: the sign-in form").contains("Sign in");
            browser.findElement(By.id("token")).sendKeys(token);
            browser.findElement(By.id("sign-in")).click();
            Awaitility.await("the runner on the page").atMost(START).until(() -> text(browser, "runners").contains("r1"));
            Object loadedAt = ((JavascriptExecutor) browser).executeScript("return window.testbotLoadedAt");

            Proc requester = startRequester(project);
            Awaitility.await("the build running on the page").atMost(START)
                    .until(() -> text(browser, "running").contains("<script>alert(1)") && Files.list(pids).findAny().isPresent());
            assertThat(text(browser, "running")).containsPattern("r1 #[12]: spec/blocked_spec.rb");
            assertThat(browser.findElements(By.xpath("//script[contains(., 'alert(1)')]"))).as("the name is text, not a script").isEmpty();
            assertThat(browser.findElements(By.xpath("//td[starts-with(., '<script>alert(1)')]"))).isNotEmpty();

            Files.writeString(release, "");
            assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
            Awaitility.await("the verdict on the page").atMost(START)
                    .until(() -> text(browser, "recent").contains("<script>alert(1)") && text(browser, "recent").contains("passed")
                            && !text(browser, "running").contains("<script>"));
            assertThat(((JavascriptExecutor) browser).executeScript("return window.testbotLoadedAt")).as("updated in place, never reloaded").isEqualTo(loadedAt);
            assertThat(text(browser, "recent")).containsPattern("\\d+\\.\\d\\d×");

            browser.findElement(By.xpath("//table[@id='recent']//a")).click();
            Awaitility.await("the build's timeline").atMost(START)
                    .until(() -> browser.findElements(By.cssSelector("#timeline .lane")).size() >= 1 && browser.findElement(By.id("title")).getText().contains("passed"));
            assertThat(browser.findElement(By.id("title")).getText()).contains("<script>alert(1)");
            assertThat(browser.findElements(By.cssSelector("#timeline .job"))).as("one bar per job").isNotEmpty();
            assertThat(browser.findElements(By.cssSelector("#timeline .job.passed"))).isNotEmpty();
        } finally {
            browser.quit();
            service.stop();
        }
    }

    private static String text(WebDriver browser, String table) {
        return browser.findElement(By.id(table)).getText();
    }
}
