"""The SOAP face of the bridge: Intuit's eight QBWebConnectorSvc operations, same names, namespace and shapes."""

from __future__ import annotations

import logging

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


def soap_application(conversation: Conversation) -> Application:
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
            return conversation.authenticate(strUserName, strPassword)

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
        name=SERVICE_NAME,
        # huge_tree: the escaped qbXML answer is one text node, and real answers pass lxml's 10 MB default; entities
        # stay unresolved and RefuseDtd (app.py) turns away any DTD before this parser runs.
        in_protocol=Soap11(validator="lxml", huge_tree=True),
        out_protocol=Soap11(),
    )


def wsgi_service(conversation: Conversation, max_body_bytes: int) -> WsgiApplication:
    """The SOAP endpoint as a WSGI app (GET ?wsdl serves the contract), bodies capped at `max_body_bytes`."""
    return WsgiApplication(soap_application(conversation), max_content_length=max_body_bytes)
