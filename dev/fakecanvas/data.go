package fakecanvas

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"
)

// Ids of the fake's data, for tests that want to name them.
const (
	UserID = 12345
	// SecondUserID is a second teacher: it teaches CourseAI too (a course
	// two teachers share, to show sharing on one course) and CourseML,
	// which 12345 does not see.
	SecondUserID = 12346

	CourseAI        = 37823 // INF-2600, the user teaches it
	CourseStudent   = 37824 // ALI-1111, the user is a student
	CourseNorwegian = 37825 // INF-1600, the user teaches it (Norwegian content)
	CourseML        = 37826 // INF-3600, only SecondUserID teaches it

	ModuleAdmin      = 173467 // empty
	ModuleSearch     = 173574
	ModuleCSP        = 173468
	ModuleScheduling = 173469
	ModuleMDP        = 173579 // empty
	ModuleRL         = 173577
	ModuleUke1       = 183467
	ModuleUke2       = 183468 // empty
	ModuleMLIntro    = 193467 // CourseML's

	FileSearchPDF  = 3615155
	FileCSPPDF     = 3615154
	FileMDPPDF     = 3615152 // served through a 302 redirect
	FileRLPDF      = 3615151
	FileCorruptPDF = 3615160 // starts like a PDF, is not one
	FileDocx       = 3615161 // a Word document: unsupported type
)

//go:embed testdata/pages/*.html
var pageFiles embed.FS

type user struct {
	ID        int64
	Name      string
	ShortName string
	Sortable  string
	Email     string
	LoginID   string
}

type course struct {
	ID   int64
	Name string
	Code string
	UUID string
	// Role is the enrollment of UserID and of any user but SecondUserID
	// ("teacher" or "student"; "" none); Second is SecondUserID's.
	Role    string
	Second  string
	Created string
	Modules []*module
}

type module struct {
	ID       int64
	Name     string
	Position int
	Items    []moduleItem
}

type moduleItem struct {
	ID        int64
	Title     string
	Type      string // Page, File, Assignment, SubHeader
	PageURL   string // Page
	ContentID int64  // File: file id; Assignment: assignment id; Page: page id
	Indent    int
}

type page struct {
	CourseID int64
	PageID   int64
	Slug     string
	Title    string
	Lang     string
	Created  string
	Updated  string
	Body     string
}

type file struct {
	ID          int64
	CourseID    int64
	FolderID    int64
	UUID        string
	DisplayName string
	Filename    string
	ContentType string
	MimeClass   string
	Created     string
	Updated     string
	Redirect    bool
	render      func() ([]byte, error)
}

type pageKey struct {
	course int64
	slug   string
}

// dataset is the fake's read-only Canvas content.
type dataset struct {
	user    user // UserID
	second  user // SecondUserID
	courses []*course
	pages   map[pageKey]*page
	files   map[int64]*file
}

func (d *dataset) course(id int64) *course {
	for _, c := range d.courses {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// roleOf is the enrollment of user uid in c: "teacher", "student" or ""
// (not enrolled).
func (c *course) roleOf(uid int64) string {
	if uid == SecondUserID {
		return c.Second
	}
	return c.Role
}

func (c *course) module(id int64) *module {
	for _, m := range c.Modules {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// newDataset builds the courses and renders the pages into the Canvas
// layout. File bytes are rendered later, on first use.
func newDataset() (*dataset, error) {
	d := &dataset{
		user: user{
			ID: UserID, Name: "Marius Solaas", ShortName: "Marius", Sortable: "Solaas, Marius",
			Email: "marius.solaas@example.com", LoginID: "jteacher",
		},
		second: user{
			ID: SecondUserID, Name: "Kari Nordmann", ShortName: "Kari", Sortable: "Nordmann, Kari",
			Email: "kari.nordmann@example.com", LoginID: "kteacher",
		},
		pages: map[pageKey]*page{},
		files: map[int64]*file{},
	}
	d.courses = []*course{
		{
			ID: CourseAI, Name: "INF-2600 AI Methods and applications", Code: "INF-2600",
			UUID: "a6Yb1Kx0Hc4ZpQm2Vt8RnWfE3sLgJdUo7TiXyCvN", Role: "teacher", Second: "teacher", Created: "2024-11-04T09:12:44Z",
			Modules: []*module{
				{ID: ModuleAdmin, Name: "Admin infomation", Position: 1},
				{ID: ModuleSearch, Name: "Search", Position: 2, Items: []moduleItem{
					{ID: 1189103, Title: "2 Lecture - Search - INF-2600.pdf", Type: "File", ContentID: FileSearchPDF},
					{ID: 1189106, Title: "Search algorithms", Type: "Page", PageURL: "search-algorithms", ContentID: 501106},
					{ID: 1189107, Title: "Assignment 1: Route planning with A*", Type: "Assignment", ContentID: 880101, Indent: 1},
				}},
				{ID: ModuleCSP, Name: "Constraint Satisfaction Problems", Position: 3, Items: []moduleItem{
					{ID: 1189102, Title: "3 Lecture - Planning and CSP - INF-2600.pdf", Type: "File", ContentID: FileCSPPDF},
					{ID: 1189108, Title: "CSP exercises (scanned).pdf", Type: "File", ContentID: FileCorruptPDF},
				}},
				{ID: ModuleScheduling, Name: "Sheduling and Adversarial Search", Position: 4, Items: []moduleItem{
					{ID: 1189104, Title: "CSP", Type: "Page", PageURL: "csp", ContentID: 501104},
					{ID: 1189100, Title: "5 MDP - INF-2600.pdf", Type: "File", ContentID: FileMDPPDF},
					{ID: 1189105, Title: "Markov Decision Process", Type: "Page", PageURL: "markov-decision-process", ContentID: 501105},
				}},
				{ID: ModuleMDP, Name: "Markov Decision Processes", Position: 5},
				{ID: ModuleRL, Name: "Reinforcement Learning", Position: 6, Items: []moduleItem{
					{ID: 1189140, Title: "Reinforcement Learning", Type: "Page", PageURL: "reinforcement-learning", ContentID: 501140},
					{ID: 1189099, Title: "6 Reinforcement Learning - INF-2600.pdf", Type: "File", ContentID: FileRLPDF},
					{ID: 1189141, Title: "Reading list INF-2600.docx", Type: "File", ContentID: FileDocx},
				}},
			},
		},
		{
			ID: CourseStudent, Name: "ALI-1111 Episk diktning fra ca 1800 til i dag", Code: "ALI-1111",
			UUID: "Qm4Zr8Tn2Lx6Vb0Kc9Hs3Jw7Yd1Fg5Pe8Ua2Oi6N", Role: "student", Created: "2024-12-01T13:40:02Z",
		},
		{
			ID: CourseNorwegian, Name: "INF-1600 Innføring i kunstig intelligens", Code: "INF-1600",
			UUID: "Zt3Wq9Lm5Xr1Cv7Bn2Hk8Jp4Gs6Df0Ay3Ue9Ro5I", Role: "teacher", Created: "2025-01-06T07:58:19Z",
			Modules: []*module{
				{ID: ModuleUke1, Name: "Uke 1: Introduksjon", Position: 1, Items: []moduleItem{
					{ID: 2189002, Title: "Forberedelser", Type: "SubHeader"},
					{ID: 2189001, Title: "Kunstig intelligens – grunnbegreper", Type: "Page", PageURL: "kunstig-intelligens-grunnbegreper", ContentID: 601001, Indent: 1},
				}},
				{ID: ModuleUke2, Name: "Uke 2: Søk og planlegging", Position: 2},
			},
		},
		{
			ID: CourseML, Name: "INF-3600 Machine learning", Code: "INF-3600",
			UUID: "Lp7Hx2Kc9Wn4Rt6Ym1Vb8Qd3Zs5Jf0Ga2Ue7Oi4T", Second: "teacher", Created: "2025-01-07T10:15:00Z",
			Modules: []*module{
				{ID: ModuleMLIntro, Name: "Introduction to machine learning", Position: 1, Items: []moduleItem{
					{ID: 2289001, Title: "What is machine learning?", Type: "Page", PageURL: "what-is-machine-learning", ContentID: 701001},
				}},
			},
		},
	}

	layoutSrc, err := pageFiles.ReadFile("testdata/pages/layout.html")
	if err != nil {
		return nil, err
	}
	layout, err := template.New("layout").Parse(string(layoutSrc))
	if err != nil {
		return nil, fmt.Errorf("parse page layout: %w", err)
	}
	for _, p := range []*page{
		{CourseID: CourseAI, PageID: 501106, Slug: "search-algorithms", Title: "Search algorithms", Lang: "en",
			Created: "2025-01-10T10:02:11Z", Updated: "2025-01-21T08:47:30Z"},
		{CourseID: CourseAI, PageID: 501104, Slug: "csp", Title: "CSP", Lang: "en",
			Created: "2025-01-24T12:30:00Z", Updated: "2025-02-03T16:05:12Z"},
		{CourseID: CourseAI, PageID: 501105, Slug: "markov-decision-process", Title: "Markov Decision Process", Lang: "en",
			Created: "2025-02-14T09:00:00Z", Updated: "2025-02-18T11:24:51Z"},
		{CourseID: CourseAI, PageID: 501140, Slug: "reinforcement-learning", Title: "Reinforcement Learning", Lang: "en",
			Created: "2025-02-28T09:00:00Z", Updated: "2025-03-04T14:10:09Z"},
		{CourseID: CourseML, PageID: 701001, Slug: "what-is-machine-learning", Title: "What is machine learning?", Lang: "en",
			Created: "2025-01-07T10:30:00Z", Updated: "2025-01-09T13:02:40Z"},
		{CourseID: CourseNorwegian, PageID: 601001, Slug: "kunstig-intelligens-grunnbegreper", Title: "Kunstig intelligens – grunnbegreper", Lang: "nb",
			Created: "2025-01-06T08:30:00Z", Updated: "2025-01-08T19:45:27Z"},
	} {
		content, err := pageFiles.ReadFile("testdata/pages/" + p.Slug + ".html")
		if err != nil {
			return nil, err
		}
		c := d.course(p.CourseID)
		var buf bytes.Buffer
		err = layout.Execute(&buf, map[string]any{
			"Lang": p.Lang, "Title": p.Title, "Slug": p.Slug, "PageID": p.PageID,
			"CourseID": c.ID, "CourseName": c.Name, "CourseCode": c.Code, "Content": string(content),
		})
		if err != nil {
			return nil, fmt.Errorf("render page %s: %w", p.Slug, err)
		}
		p.Body = buf.String()
		d.pages[pageKey{p.CourseID, p.Slug}] = p
	}

	lectureFile := func(l func() lecture) func() ([]byte, error) {
		return func() ([]byte, error) { return renderLecture(l()) }
	}
	for _, f := range []*file{
		{ID: FileSearchPDF, DisplayName: "2 Lecture - Search - INF-2600.pdf", render: lectureFile(searchLecture),
			Created: "2025-01-13T08:20:41Z"},
		{ID: FileCSPPDF, DisplayName: "3 Lecture - Planning and CSP - INF-2600.pdf", render: lectureFile(cspLecture),
			Created: "2025-01-27T07:55:03Z"},
		{ID: FileMDPPDF, DisplayName: "5 MDP - INF-2600.pdf", render: lectureFile(mdpLecture), Redirect: true,
			Created: "2025-02-17T08:01:17Z"},
		{ID: FileRLPDF, DisplayName: "6 Reinforcement Learning - INF-2600.pdf", render: lectureFile(rlLecture),
			Created: "2025-03-03T08:12:55Z"},
		{ID: FileCorruptPDF, DisplayName: "CSP exercises (scanned).pdf", Created: "2025-01-29T15:44:10Z",
			render: func() ([]byte, error) {
				real, err := renderLecture(cspLecture())
				if err != nil {
					return nil, err
				}
				return corruptPDF(real), nil
			}},
		{ID: FileDocx, DisplayName: "Reading list INF-2600.docx", Created: "2025-01-09T11:11:11Z",
			ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", MimeClass: "doc",
			render: docx},
	} {
		f.CourseID = CourseAI
		f.FolderID = 1054312
		f.Filename = fileName(f.DisplayName)
		f.UUID = fmt.Sprintf("fk%038d", f.ID)
		f.Updated = f.Created
		if f.ContentType == "" {
			f.ContentType, f.MimeClass = "application/pdf", "pdf"
		}
		d.files[f.ID] = f
	}
	return d, nil
}

// fileName is the stored file name Canvas derives from a display name:
// spaces become '+'.
func fileName(display string) string {
	b := []byte(display)
	for i, c := range b {
		if c == ' ' {
			b[i] = '+'
		}
	}
	return string(b)
}
