"""The SOAP face of the bridge: Intuit's eight QBWebConnectorSvc operations, same names, namespace and shapes."""

from __future__ import annotations

import logging
import re

from spyne import Application, Array, Integer32, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from qbwc_bridge.conversation import Conversation

TNS = "http://developer.intuit.com/"
SERVICE_NAME = "TroubleshootWebServiceFS"
PORT_TYPE = "TroubleshootWebServiceFSSoap"
# spyne logs the whole request body when it cannot parse it; an authenticate body carries the password. A filter
# that drops every record, beside `disabled`: logging.config.dictConfig (Dagster calls it) re-enables loggers.
for _name in ("spyne.protocol.soap.soap11.invalid", "spyne.protocol.xml.invalid"):
    logging.getLogger(_name).disabled = True
    logging.getLogger(_name).addFilter(lambda record: False)

String = Unicode(min_occurs=0)
ArrayOfString = Array(Unicode(nillable=True), type_name="ArrayOfString")


def soap_application(conversation: Conversation, *, large_text: bool = False) -> Application:
    """The spyne Application answering the Web Connector with `conversation` behind every operation."""

    class QBWebConnectorSvc(ServiceBase):
        __service_name__ = SERVICE_NAME
        __port_types__ = (PORT_TYPE,)
        # Method and argument names are Intuit's (camelCase), they become the WSDL element names.

        @rpc(_returns=String, _port_type=PORT_TYPE, _out_variable_name="serverVersionResult")
        def serverVersion(ctx):
            return conversation.server_version()

        @rpc(String, _returns=String, _port_type=PORT_TYPE, _out_variable_name="clientVersionResult")
        def clientVersion(ctx, strVersion):
            return conversation.client_version(strVersion)

        @rpc(String, String, _returns=ArrayOfString, _port_type=PORT_TYPE, _out_variable_name="authenticateResult")
        def authenticate(ctx, strUserName, strPassword):
            client = ctx.transport.req_env.get("REMOTE_ADDR") or "unknown"
            return conversation.authenticate(strUserName, strPassword, client=client)

        @rpc(String, String, String, _returns=String, _port_type=PORT_TYPE, _out_variable_name="connectionErrorResult")
        def connectionError(ctx, ticket, hresult, message):
            return conversation.connection_error(ticket, hresult, message)

        @rpc(
            String,
            String,
            String,
            String,
            Integer32(min_occurs=1),
            Integer32(min_occurs=1),
            _returns=String,
            _port_type=PORT_TYPE,
            _out_variable_name="sendRequestXMLResult",
        )
        def sendRequestXML(
            ctx, ticket, strHCPResponse, strCompanyFileName, qbXMLCountry, qbXMLMajorVers, qbXMLMinorVers
        ):
            return conversation.send_request_xml(
                ticket, strHCPResponse, strCompanyFileName, qbXMLCountry, qbXMLMajorVers or 0, qbXMLMinorVers or 0
            )

        @rpc(
            String,
            String,
            String,
            String,
            _returns=Integer32(min_occurs=1),
            _port_type=PORT_TYPE,
            _out_variable_name="receiveResponseXMLResult",
        )
        def receiveResponseXML(ctx, ticket, response, hresult, message):
            return conversation.receive_response_xml(ticket, response, hresult, message)

        @rpc(String, _returns=String, _port_type=PORT_TYPE, _out_variable_name="getLastErrorResult")
        def getLastError(ctx, ticket):
            return conversation.get_last_error(ticket)

        @rpc(String, _returns=String, _port_type=PORT_TYPE, _out_variable_name="closeConnectionResult")
        def closeConnection(ctx, ticket):
            return conversation.close_connection(ticket)

    return Application(
        [QBWebConnectorSvc],
        tns=TNS,
        # spyne keeps one application per (tns, name) in a process-wide registry; the large-text twin's WSDL is
        # never served, so a name of its own only keeps the two apart there.
        name=SERVICE_NAME + ("LargeText" if large_text else ""),
        # huge_tree (large_text): the escaped qbXML answer of receiveResponseXML is one text node, and real answers
        # pass lxml's 10 MB default; every other operation keeps lxml's limits. SoapGate (soap_gate.py) turns away
        # any DTD before this parser runs and picks the large-text service for answers only.
        in_protocol=Soap11(validator="lxml", huge_tree=large_text),
        out_protocol=Soap11(),
    )


def wsgi_service(conversation: Conversation, max_body_bytes: int, *, large_text: bool = False) -> WsgiApplication:
    """The SOAP endpoint as a WSGI app, bodies capped at `max_body_bytes` (the WSDL comes from `wsdl_document`)."""
    return WsgiApplication(soap_application(conversation, large_text=large_text), max_content_length=max_body_bytes)


def wsdl_document(service: WsgiApplication, address: str) -> bytes:
    """The WSDL with `address` as the service location and Intuit's SOAPAction values (http://developer.intuit.com/<op>).

    Built once from configuration, never from a request's Host header (which a client controls).
    """
    service.doc.wsdl11.build_interface_document(address)
    document = service.doc.wsdl11.get_interface_document()
    return re.sub(rb'soapAction="(\w+)"', lambda m: b'soapAction="' + TNS.encode() + m.group(1) + b'"', document)
