package explain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Model is a chat model behind an OpenAI-compatible endpoint (OpenAI,
// Azure OpenAI, Ollama, vLLM, llama.cpp's server, LocalAI …).
type Model struct {
	URL    string // base URL, e.g. http://localhost:11434/v1, or the full …/chat/completions
	Name   string // the model, e.g. llama3.1
	APIKey string // sent as a bearer token when set
	Client *http.Client
}

// maxModelReply bounds what is read of a model's answer.
const maxModelReply = 1 << 20

func (m *Model) endpoint() string {
	u := strings.TrimRight(m.URL, "/")
	if strings.HasSuffix(u, "/chat/completions") {
		return u
	}
	return u + "/chat/completions"
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
}

type chatReply struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// ask sends one system and one user message and answers the model's reply.
func (m *Model) ask(ctx context.Context, system, user string) (string, error) {
	body, err := json.Marshal(chatRequest{Model: m.Name, Temperature: 0.2,
		Messages: []chatMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.endpoint(), bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("model request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if m.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+m.APIKey)
	}
	client := m.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("model: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxModelReply))
	if err != nil {
		return "", fmt.Errorf("model: read answer: %w", err)
	}
	var reply chatReply
	jerr := json.Unmarshal(raw, &reply)
	if resp.StatusCode != http.StatusOK {
		if jerr == nil && reply.Error != nil && reply.Error.Message != "" {
			return "", fmt.Errorf("model answered %d: %s", resp.StatusCode, reply.Error.Message)
		}
		return "", fmt.Errorf("model answered %d", resp.StatusCode)
	}
	if jerr != nil {
		return "", fmt.Errorf("model: answer is not chat-completions JSON: %w", jerr)
	}
	if len(reply.Choices) == 0 || strings.TrimSpace(reply.Choices[0].Message.Content) == "" {
		return "", errors.New("model: empty answer")
	}
	return reply.Choices[0].Message.Content, nil
}
