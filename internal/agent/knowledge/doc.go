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
// Documents may carry labels in a front matter block. Retrieval is trimmed
// to what the caller may read: a section of a labelled document is
// considered only when the request's MayRead grants every one of its labels,
// so the agent never quotes a document its user could not open.
//
// Having no model, the agent calls tools by intent: when the question's
// content words include all the content words of one of a tool's intent
// phrases, it calls that tool (with no arguments) through
// Request.CallTool and answers from the result, with the tool's answer
// template or, without one, by listing the result's fields. Answer
// templates can be checked up front with CheckAnswerTemplate.
package knowledge
