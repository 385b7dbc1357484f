// Package knowledge is Palisade's built-in knowledge agent: it answers
// questions from a directory of Markdown and text documents, such as an HR
// helpdesk's policies, without any model server.
//
// Documents are loaded with LoadDir (or LoadFS), split into sections by their
// headings, and indexed once with Okapi BM25 when the agent is built with New.
// A question is answered extractively: the agent finds the best sections,
// copies the one to three sentences or list items that best match the
// question verbatim, and cites the sections they came from. It never writes
// facts of its own: when the knowledge base does not cover a question, it
// says so plainly and points the user to a person.
//
// Documents may carry labels in a front matter block; the agent keeps them on
// each Document so that retrieval can later be trimmed to what a user may
// read.
package knowledge
