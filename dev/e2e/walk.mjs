// make e2e: today's QuizCrafter frontend (built by scripts/e2e.sh) in
// headless Chromium against `make dev`, walked as a teacher and a
// collaborator would. Every screen is photographed under the shots folder;
// the walk fails on any console error, any failed request (a 4xx/5xx a
// step does not expect, a network error) and any step whose screen does
// not appear. E2E_KEEP_GOING=1 goes on past a failed step (to see every
// failure at once); the exit status still says whether all went well.
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { createServer } from "node:http"
import { extname, join, normalize, resolve } from "node:path"
import { chromium } from "playwright-core"

const env = process.env
const API = env.E2E_API ?? "http://localhost:8080"
const FE_PORT = Number(env.E2E_PORT ?? 5173)
const FE = `http://localhost:${FE_PORT}`
const DIST = resolve(env.E2E_DIST ?? ".run/e2e/frontend/dist")
const SHOTS = resolve(env.E2E_SHOTS ?? ".run/e2e/shots")
const CHROMIUM = env.E2E_CHROMIUM ?? "/usr/bin/chromium"
const KEEP_GOING = env.E2E_KEEP_GOING === "1"
// How long one screen may take to appear, and generation or export to end
// (a hang guard, not a measurement).
const STEP_MS = Number(env.E2E_STEP_MS ?? 15000)
const JOB_MS = Number(env.E2E_JOB_MS ?? 180000)

// The two teachers of the fake Canvas.
const OWNER = "12345"
const COLLABORATOR = "12346"

// ---- static server with SPA fallback (what `vite preview` does) --------
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
}
function serve() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, FE).pathname))
    let file = join(DIST, path)
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) {
      file = join(DIST, "index.html")
    }
    res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" })
    createReadStream(file).pipe(res)
  })
  return new Promise((ok, fail) => {
    server.once("error", fail)
    server.listen(FE_PORT, "127.0.0.1", () => ok(server))
  })
}

// ---- what went wrong ----------------------------------------------------
const problems = [] // {step, kind, detail}
const walked = [] // {step, ok, ms, shot}
let current = "start"
// Statuses the current step expects, as "METHOD path-regexp status".
let expected = []

function problem(kind, detail) {
  problems.push({ step: current, kind, detail })
  console.log(`  !! [${current}] ${kind}: ${detail}`)
}

function watch(page, who) {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return
    const where = msg.location().url ?? ""
    problem("console error", `${who}: ${msg.text()} (${where})`)
  })
  page.on("pageerror", (err) => problem("page error", `${who}: ${err.message}`))
  page.on("requestfailed", (req) => {
    const why = req.failure()?.errorText ?? ""
    // A navigation away cancels what the old page was still loading.
    if (why === "net::ERR_ABORTED") return
    problem("request failed", `${who}: ${req.method()} ${req.url()} ${why}`)
  })
  page.on("response", async (resp) => {
    const status = resp.status()
    if (status < 400) return
    const req = resp.request()
    const url = new URL(resp.url())
    const ok = expected.some(
      (e) => e.method === req.method() && e.status === status && e.path.test(url.pathname),
    )
    if (ok) return
    // A navigation may leave the body unreadable: wait for it briefly.
    const body = await Promise.race([
      resp.text().then((t) => t.slice(0, 400), () => "(no body)"),
      new Promise((ok) => setTimeout(() => ok("(body not read)"), 2000)),
    ])
    const sent = req.postData() ? ` body ${req.postData().slice(0, 300)}` : ""
    problem("HTTP error", `${who}: ${req.method()} ${url.pathname}${url.search}${sent} -> ${status} ${body}`)
  })
}

let shotNo = 0
async function shot(page, name) {
  shotNo += 1
  const file = join(SHOTS, `${String(shotNo).padStart(2, "0")}-${name}.png`)
  await page.screenshot({ path: file, fullPage: true }).catch(() => {})
  return file
}

// step runs fn, photographs the page, and records how it went.
async function step(name, page, fn, { expect = [], critical = false } = {}) {
  current = name
  expected = expect.map(([method, path, status]) => ({ method, path, status }))
  const before = problems.length
  const t0 = Date.now()
  let ok = true
  console.log(`== ${name}`)
  try {
    await fn()
  } catch (err) {
    ok = false
    problem("step failed", (err.message ?? String(err)).split("\n").slice(0, 6).join(" | "))
  }
  // Let late answers of this step arrive before judging it.
  await page.waitForTimeout(300)
  const file = await shot(page, name)
  const clean = ok && problems.length === before
  walked.push({ step: name, ok: clean, ms: Date.now() - t0, shot: file })
  expected = []
  if (!ok && (critical || !KEEP_GOING)) throw new Error(`step ${name} failed`)
  return ok
}

// ---- helpers over the frontend ------------------------------------------
// resp waits for an answer the next action causes (its failure is reported
// where it is awaited, not as an unhandled rejection if the action fails).
function resp(page, pred) {
  const p = page.waitForResponse(pred, { timeout: STEP_MS })
  p.catch(() => {})
  return p
}
const visible = (loc, ms = STEP_MS) => loc.first().waitFor({ state: "visible", timeout: ms })

async function signIn(page, userID) {
  await page.goto(`${FE}/login`)
  await visible(page.getByRole("button", { name: /continue with canvas/i }))
  const login = resp(page, (r) => new URL(r.url()).pathname.endsWith("/auth/login/canvas"))
  await page.getByRole("button", { name: /continue with canvas/i }).click()
  if ((await login).status() === 404 && KEEP_GOING) {
    // Developing the walk before the root route lands: v1's login ends on
    // the same /login/success page.
    await page.goto(`${API}/api/v1/auth/login/canvas`)
  }
  // The fake Canvas's consent page: choose the teacher if it offers a
  // choice, else ask for them with the user_id parameter.
  await page.waitForURL(/\/login\/oauth2\/auth/, { timeout: STEP_MS })
  const choice = page.locator(`a[href*="user_id=${userID}"], input[value="${userID}"]`)
  if ((await choice.count()) > 0) {
    await shot(page, `consent-${userID}`)
    const tag = await choice.first().evaluate((el) => el.tagName)
    if (tag === "A") await choice.first().click()
    else {
      await choice.first().check()
      await page.locator('#authorize, button[type="submit"], input[type="submit"]').first().click()
    }
  } else {
    if (userID !== OWNER) problem("fake Canvas", `the consent page offers no choice of user ${userID}`)
    const href = await page.locator("#authorize").getAttribute("href")
    const u = new URL(href, page.url())
    u.searchParams.set("user_id", userID)
    await page.goto(u.toString())
  }
  await page.waitForURL((u) => u.origin === FE && !u.pathname.startsWith("/login"), {
    timeout: STEP_MS,
  })
  await visible(page.getByTestId("sidebar"))
  const token = await page.evaluate(() => localStorage.getItem("access_token"))
  if (!token) throw new Error("no access_token in localStorage after sign-in")
}

async function onboarding(page) {
  // A teacher who went through it before (the dev database persists) is
  // asked again, so that every run walks it.
  const done = await page.evaluate(async (api) => {
    const auth = { Authorization: `Bearer ${localStorage.getItem("access_token")}` }
    const me = await (await fetch(`${api}/users/me`, { headers: auth })).json()
    if (!me.onboarding_completed) return false
    const r = await fetch(`${api}/users/me`, {
      method: "PATCH",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: me.name, onboarding_completed: false }),
    })
    if (!r.ok) throw new Error(`PATCH /users/me -> ${r.status}`)
    return true
  }, API)
  if (done) await page.reload()
  const next = page.getByRole("button", { name: /^next$/i })
  await visible(page.getByText(/step 1 of 5/i))
  for (let i = 1; i < 5; i++) {
    await next.click()
    await visible(page.getByText(new RegExp(`step ${i + 1} of 5`, "i")))
  }
  await page.getByRole("button", { name: /get started/i }).click()
  await page.getByText(/step 5 of 5/i).waitFor({ state: "hidden", timeout: STEP_MS })
}

// pickOption opens the n-th select of the page and picks an option.
async function pickOption(page, nth, label) {
  await page.getByRole("combobox").nth(nth).click()
  await page.getByRole("option", { name: label, exact: true }).click()
}

// questionCards: the review list's cards (each has a "Question N" title).
function questionCards(page) {
  return page.locator(".chakra-card__root").filter({ has: page.getByText(/^Question \d+$/) })
}

// reviewCounts reads the review screen's "Pending Approval (N)" and "All
// Questions (N)" buttons.
async function reviewCounts(page) {
  const num = async (re) => {
    const text = await page.getByRole("button", { name: re }).first().innerText()
    return Number(/\((\d+)\)/.exec(text)?.[1] ?? Number.NaN)
  }
  return { pending: await num(/^Pending Approval \(/), all: await num(/^All Questions \(/) }
}

// waitCounts waits until the review screen's counts are what want says.
async function waitCounts(page, want) {
  const until = Date.now() + STEP_MS
  let got
  while (Date.now() < until) {
    got = await reviewCounts(page)
    if (Object.entries(want).every(([k, v]) => got[k] === v)) return got
    await page.waitForTimeout(200)
  }
  throw new Error(`review counts ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`)
}

// selectVisible ticks the checkbox of up to n question cards on screen
// and returns how many the toolbar says are selected (the list is
// virtual: a card may leave the screen while the others are ticked).
async function selectVisible(page, n) {
  const cards = questionCards(page)
  const count = Math.min(n, await cards.count())
  for (let i = 0; i < count; i++) {
    try {
      await cards.nth(i).getByRole("checkbox").check({ force: true, timeout: 2000 })
    } catch {
      break
    }
  }
  const badge = page.getByText(/^\d+ selected$/)
  await visible(badge)
  return Number.parseInt(await badge.first().innerText(), 10)
}

async function quizStatus(page, quizID) {
  return page.evaluate(
    async ([api, id]) => {
      const r = await fetch(`${api}/quiz/${id}`, {
        headers: { Authorization: `Bearer ${localStorage.getItem("access_token")}` },
      })
      return r.ok ? (await r.json()).status : `HTTP ${r.status}`
    },
    [API, quizID],
  )
}

async function waitStatus(page, quizID, want) {
  const until = Date.now() + JOB_MS
  let status = ""
  while (Date.now() < until) {
    status = await quizStatus(page, quizID)
    if (want.includes(status)) return status
    if (status === "failed") break
    await page.waitForTimeout(1000)
  }
  throw new Error(`quiz ${quizID}: status ${status}, wanted ${want.join(" or ")}`)
}

// ---- the walk -----------------------------------------------------------
const MODULE_A = "173574" // Search
const MODULE_B = "173468" // Constraint Satisfaction Problems
const COURSE = "37823"
const MANUAL_TEXT = `Photosynthesis is the process by which green plants, algae and some bacteria
turn light energy into chemical energy. In the light-dependent reactions, which take place in the
thylakoid membranes of the chloroplast, water is split, oxygen is released and the energy carriers
ATP and NADPH are formed. In the Calvin cycle, which runs in the stroma, the enzyme RuBisCO fixes
carbon dioxide onto ribulose bisphosphate, and ATP and NADPH are used to build three-carbon sugars
that the plant turns into glucose, sucrose and starch. Chlorophyll a and b absorb mostly red and blue
light and reflect green light, which is why leaves look green. The rate of photosynthesis depends on
light intensity, carbon dioxide concentration and temperature; the factor in shortest supply limits
the rate. C4 and CAM plants have adapted to hot and dry climates by concentrating carbon dioxide
before the Calvin cycle or by opening their stomata at night.`

async function main() {
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`no frontend build in ${DIST}`)
  const server = await serve()
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  })
  const t0 = Date.now()
  try {
    await walk(browser)
  } catch (err) {
    console.log(`walk stopped: ${err.message}`)
  } finally {
    await browser.close()
    server.close()
  }
  report((Date.now() - t0) / 1000)
  process.exit(problems.length === 0 ? 0 : 1)
}

async function walk(browser) {
  const ctxOpts = { viewport: { width: 1400, height: 1000 }, permissions: ["clipboard-read", "clipboard-write"] }
  const owner = await browser.newContext(ctxOpts)
  const page = await owner.newPage()
  page.setDefaultTimeout(STEP_MS)
  watch(page, `teacher ${OWNER}`)

  await step("sign-in-owner", page, () => signIn(page, OWNER), { critical: true })
  await step("onboarding", page, () => onboarding(page))
  await step("dashboard", page, async () => {
    await visible(page.getByTestId("dashboard-container"))
  })

  // Create a quiz: two Canvas modules, several batch types, a manual module.
  await step("create-course", page, async () => {
    await page.goto(`${FE}/create-quiz`)
    await visible(page.getByTestId(`course-card-${COURSE}`))
    await page.getByTestId(`course-card-${COURSE}`).click()
    await page.getByTestId("quiz-title-input").fill("E2E walk quiz")
    await page.getByRole("button", { name: "Next" }).click()
  })
  await step("create-modules", page, async () => {
    await visible(page.getByTestId(`module-card-${MODULE_A}`))
    await page.getByTestId(`module-card-${MODULE_A}`).click()
    await page.getByTestId(`module-card-${MODULE_B}`).click()
  })
  await step(
    "create-manual-module",
    page,
    async () => {
      await page.getByRole("button", { name: "Add Module" }).click()
      const dialog = page.getByRole("dialog")
      await dialog.getByRole("button", { name: /enter text content/i }).click()
      await dialog.locator("input").first().fill("Photosynthesis notes")
      await dialog.locator("textarea").fill(MANUAL_TEXT)
      await dialog.getByRole("button", { name: /process content/i }).click()
      await visible(dialog.getByText("Content Preview"))
      await shot(page, "manual-module-preview")
      await dialog.getByRole("button", { name: "Add Module" }).click()
      await visible(page.locator('[data-testid^="manual-module-card-manual_"]'))
    },
  )
  await step("create-batches", page, async () => {
    await page.getByRole("button", { name: "Next" }).click()
    await visible(page.getByText(/step 3 of 4/i))
    const add = page.getByRole("button", { name: /add batch/i })
    // Module A: multiple choice + true/false; module B: fill in the blank +
    // matching; manual module: multiple answer + categorization.
    const plan = [
      ["Multiple Choice", "True/False"],
      ["Fill in the Blank", "Matching"],
      ["Multiple Answer", "Categorization"],
    ]
    let select = 0
    for (let m = 0; m < plan.length; m++) {
      for (const type of plan[m]) {
        await add.nth(m).click()
        await pickOption(page, select, type)
        select += 2 // each batch has a type select and a difficulty select
      }
    }
    // Small batches: 3 questions each.
    const counts = page.locator('input[type="number"]')
    for (let i = 0; i < (await counts.count()); i++) await counts.nth(i).fill("3")
  })
  await step("create-settings", page, async () => {
    await page.getByRole("button", { name: "Next" }).click()
    await visible(page.getByText(/step 4 of 4/i))
  })
  let quizID = ""
  await step("create-submit", page, async () => {
    const created = resp(page, 
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/quiz/",
    )
    await page.getByRole("button", { name: /create quiz/i }).click()
    const answer = await created
    if (answer.status() !== 201 && answer.status() !== 200) throw new Error(`POST /quiz/ -> ${answer.status()}`)
    quizID = (await answer.json()).id
    await page.waitForURL(new RegExp(`/quiz/${quizID}`), { timeout: STEP_MS })
  })
  if (!quizID) throw new Error("no quiz created: nothing more to walk")

  await step("generation", page, async () => {
    // The quiz page polls the quiz; wait for the screen to say so.
    await waitStatus(page, quizID, ["ready_for_review", "ready_for_review_partial"])
    await visible(page.getByRole("button", { name: /^review$/i }), JOB_MS)
  })

  await step("review-open", page, async () => {
    await page.getByRole("button", { name: /^review$/i }).click()
    await page.waitForURL(new RegExp(`/quiz/${quizID}/questions`), { timeout: STEP_MS })
    await visible(questionCards(page))
  })
  await step("review-edit", page, async () => {
    const card = questionCards(page).first()
    await card.getByRole("button").nth(0).click()
    await visible(page.getByRole("button", { name: /save changes/i }))
    const text = page.locator("textarea").first()
    await text.fill(`${await text.inputValue()} (edited in the e2e walk)`)
    const saved = resp(page, (r) => r.request().method() === "PUT" && /\/questions\//.test(r.url()))
    await page.getByRole("button", { name: /save changes/i }).click()
    await saved
    await visible(page.getByText(/edited in the e2e walk/))
  })
  await step("review-approve", page, async () => {
    const before = await reviewCounts(page)
    const done = resp(page, (r) => /\/approve$/.test(r.url()))
    await questionCards(page).first().getByRole("button").nth(1).click()
    await done
    // An approved question leaves the "Pending Approval" list.
    await waitCounts(page, { pending: before.pending - 1, all: before.all })
  })
  await step("review-delete-with-reason", page, async () => {
    const before = await reviewCounts(page)
    const card = questionCards(page).nth(1)
    await card.getByRole("button").nth(2).click()
    const dialog = page.getByRole("dialog")
    await visible(dialog.getByText(/why are you rejecting/i))
    await dialog.getByText("Poor wording").click()
    await dialog.locator("textarea").fill("The stem is ambiguous.")
    const done = resp(page, (r) => r.request().method() === "DELETE")
    await dialog.getByRole("button", { name: "Reject" }).click()
    await done
    await visible(page.getByText(/question rejected/i))
    await waitCounts(page, { pending: before.pending - 1, all: before.all - 1 })
  })
  await step("review-bulk-approve", page, async () => {
    const before = await reviewCounts(page)
    const n = await selectVisible(page, 3)
    const done = resp(page, (r) => /bulk/.test(r.url()))
    await page.getByRole("button", { name: /approve selected/i }).click()
    await done
    await visible(page.getByText(`${n} questions approved`))
    await waitCounts(page, { pending: before.pending - n, all: before.all })
  })
  await step("review-add-question", page, async () => {
    const before = await reviewCounts(page)
    await page.getByRole("button", { name: /add question/i }).first().click()
    await page.getByLabel(/select.*multiple choice/i).click()
    const dialog = page.getByRole("dialog")
    await dialog.locator("textarea").first().fill("Which search algorithm is complete and optimal with unit step costs?")
    const boxes = dialog.getByRole("textbox")
    await boxes.nth(1).fill("Depth-first search")
    await boxes.nth(2).fill("Breadth-first search")
    await boxes.nth(3).fill("Greedy best-first search")
    await boxes.nth(4).fill("Hill climbing")
    await page.getByRole("radio", { name: "B" }).click({ force: true })
    const done = resp(page, 
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/questions/${quizID}`,
    )
    await page.getByRole("button", { name: /save changes/i }).click()
    const answer = await done
    if (answer.status() >= 400) throw new Error(`POST /questions/${quizID} -> ${answer.status()}`)
    // The new question joins the end of the pending list.
    await waitCounts(page, { pending: before.pending + 1, all: before.all + 1 })
  })
  await step("regenerate-batch", page, async () => {
    await page.goto(`${FE}/quiz/${quizID}`)
    const button = page.getByRole("button", { name: "Regenerate this batch" })
    await visible(button)
    const done = resp(page, (r) => /regenerate-batch/.test(r.url()))
    await button.first().click()
    const answer = await done
    if (answer.status() >= 400) throw new Error(`regenerate-batch -> ${answer.status()}`)
    await visible(page.getByText(/batch regeneration started/i))
    await waitStatus(page, quizID, ["ready_for_review", "ready_for_review_partial"])
  })

  // Sharing: the owner creates an invite link, the second teacher accepts.
  let inviteURL = ""
  await step("share-invite", page, async () => {
    await page.getByRole("button", { name: /share quiz/i }).click()
    const dialog = page.getByRole("dialog")
    const created = resp(page, (r) => r.request().method() === "POST" && /invite/.test(r.url()))
    await dialog.getByRole("button", { name: /create invite link/i }).click()
    const answer = await created
    if (answer.status() >= 400) throw new Error(`create invite -> ${answer.status()}`)
    inviteURL = (await answer.json()).invite_url
    await visible(dialog.getByText(inviteURL))
  })
  if (!inviteURL) throw new Error("no invite link: nothing more to walk")

  const second = await browser.newContext(ctxOpts)
  const page2 = await second.newPage()
  page2.setDefaultTimeout(STEP_MS)
  watch(page2, `teacher ${COLLABORATOR}`)
  await step("sign-in-collaborator", page2, () => signIn(page2, COLLABORATOR), { critical: true })
  await step("collaborator-onboarding", page2, () => onboarding(page2))
  await step("invite-open", page2, async () => {
    const u = new URL(inviteURL)
    await page2.goto(`${FE}${u.pathname}${u.search}`)
    await visible(page2.getByText(/you have been invited to collaborate/i))
  })
  await step("invite-accept", page2, async () => {
    await page2.getByRole("button", { name: /accept invite/i }).click()
    await visible(page2.getByText(/invite accepted/i))
  })
  await step("collaborator-sees-quiz", page2, async () => {
    await page2.goto(`${FE}/quizzes`)
    await visible(page2.getByText("E2E walk quiz"))
    await page2.goto(`${FE}/quiz/${quizID}/questions`)
    await visible(questionCards(page2))
  })
  await step("collaborator-approves", page2, async () => {
    // Show the questions not approved yet, approve the first.
    const card = questionCards(page2).filter({ hasNot: page2.getByText("Approved", { exact: true }) }).first()
    const done = resp(page2, (r) => /\/approve$/.test(r.url()))
    await card.getByRole("button").nth(1).click()
    const answer = await done
    if (answer.status() >= 400) throw new Error(`approve as collaborator -> ${answer.status()}`)
  })

  // Back as the owner: approve what is left, export, see "published".
  await step("owner-export", page, async () => {
    await page.goto(`${FE}/quiz/${quizID}/questions`)
    await visible(questionCards(page))
    // Approve what is still pending, a screenful at a time.
    for (let i = 0; i < 20 && (await reviewCounts(page)).pending > 0; i++) {
      const before = await reviewCounts(page)
      const n = await selectVisible(page, 100)
      const done = resp(page, (r) => /bulk/.test(r.url()))
      await page.getByRole("button", { name: /approve selected/i }).click()
      await done
      await waitCounts(page, { pending: before.pending - n })
    }
    const post = page.getByRole("button", { name: /post to canvas/i })
    await visible(post)
    await post.click()
    await visible(page.getByText(/export.*started/i))
  })
  await step("published", page, async () => {
    await waitStatus(page, quizID, ["published"])
    await page.goto(`${FE}/quiz/${quizID}`)
    await visible(page.getByText(/published to canvas/i))
  })
}

function report(secs) {
  console.log("\n== screens walked")
  for (const w of walked) {
    console.log(`  ${w.ok ? "ok  " : "FAIL"} ${w.step.padEnd(28)} ${(w.ms / 1000).toFixed(1).padStart(6)} s  ${w.shot}`)
  }
  if (problems.length > 0) {
    console.log(`\n== ${problems.length} problem(s)`)
    for (const p of problems) console.log(`  [${p.step}] ${p.kind}: ${p.detail}`)
  }
  const n = readdirSync(SHOTS).length
  console.log(`\n${walked.filter((w) => w.ok).length} passed, ${walked.filter((w) => !w.ok).length} failed (${secs.toFixed(1)} s, ${n} screenshots in ${SHOTS})`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
