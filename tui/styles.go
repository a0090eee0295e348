package tui

import "github.com/charmbracelet/lipgloss"

// Styles is every look of the console. Build it with DefaultStyles from a
// renderer: an Ascii renderer gives plain text, for tests and NO_COLOR.
type Styles struct {
	Title, Subtle, Faint         lipgloss.Style
	Running, Sleeping, Retrying  lipgloss.Style
	Paused, Done, Failed         lipgloss.Style
	Badge, Warn, Error, Status   lipgloss.Style
	Selected, Header, Rule       lipgloss.Style
	Key, String, Number, Literal lipgloss.Style // JSON highlighting
	Question                     lipgloss.Style
}

// DefaultStyles builds the styles for a renderer.
func DefaultStyles(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	word := func(fg lipgloss.AdaptiveColor) lipgloss.Style { return r.NewStyle().Bold(true).Foreground(fg) }
	return Styles{
		Title:    r.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B9A6FF")),
		Subtle:   r.NewStyle().Foreground(c("#555555", "#AAAAAA")),
		Faint:    r.NewStyle().Foreground(c("#888888", "#666666")),
		Running:  word(c("#1A7F37", "#56D364")),
		Sleeping: word(c("#9A6700", "#E3B341")),
		Retrying: word(c("#BC4C00", "#FFA657")),
		Paused:   word(c("#0969DA", "#79C0FF")),
		Done:     word(c("#1A7F37", "#56D364")),
		Failed:   word(c("#CF222E", "#FF7B72")),
		Badge:    r.NewStyle().Foreground(c("#9A6700", "#E3B341")),
		Warn:     r.NewStyle().Foreground(c("#9A6700", "#E3B341")),
		Error:    r.NewStyle().Foreground(c("#CF222E", "#FF7B72")),
		Status:   r.NewStyle().Foreground(c("#0969DA", "#79C0FF")),
		Selected: r.NewStyle().Bold(true).Reverse(true),
		Header:   r.NewStyle().Bold(true).Underline(true),
		Rule:     r.NewStyle().Foreground(c("#BBBBBB", "#444444")),
		Key:      r.NewStyle().Foreground(c("#0550AE", "#79C0FF")),
		String:   r.NewStyle().Foreground(c("#0A3069", "#A5D6FF")),
		Number:   r.NewStyle().Foreground(c("#953800", "#FFA657")),
		Literal:  r.NewStyle().Foreground(c("#8250DF", "#D2A8FF")),
		Question: r.NewStyle().Bold(true).Foreground(c("#BC4C00", "#FFA657")),
	}
}

// stateStyle is the style of a state word.
func (s Styles) stateStyle(word string) lipgloss.Style {
	switch word {
	case "SLEEPING":
		return s.Sleeping
	case "RETRYING":
		return s.Retrying
	case "PAUSED", stateStopped:
		return s.Paused
	case "DONE":
		return s.Done
	case "FAILED":
		return s.Failed
	default:
		return s.Running
	}
}
