<?cs # One message: headers, body (text, or the sanitized HTML in a
     sandboxed frame), attachments. ?>
<?cs set:Page.Title = Msg.Subject ?>
<?cs include:"header.cs" ?>
<article class="message">
  <p class="back"><a href="<?cs var:Page.Base ?>/mail?f=<?cs var:Msg.FolderEncoded ?>" accesskey="u"><?cs var:Lang.mail.back ?></a></p>
  <h1 id="subject"><?cs if:Msg.Subject ?><?cs var:Msg.Subject ?><?cs else ?><?cs var:Lang.mail.no_subject ?><?cs /if ?></h1>
  <dl class="headers">
    <dt><?cs var:Lang.mail.from ?></dt><dd id="from"><?cs var:Msg.From ?></dd>
    <dt><?cs var:Lang.mail.to ?></dt><dd id="to"><?cs var:Msg.To ?></dd>
<?cs if:Msg.Cc ?>    <dt><?cs var:Lang.mail.cc ?></dt><dd id="cc"><?cs var:Msg.Cc ?></dd><?cs /if ?>
    <dt><?cs var:Lang.mail.date ?></dt><dd id="date"><?cs var:Msg.Date ?></dd>
  </dl>
<?cs if:Msg.Html ?>
  <iframe class="body" id="htmlbody" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="<?cs var:Lang.mail.body ?>" src="<?cs var:Page.Base ?>/mail/body?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>"></iframe>
<?cs else ?>
  <pre class="body" id="textbody"><?cs var:Msg.Text ?></pre>
<?cs /if ?>
<?cs if:subcount(Msg.Parts) > 0 ?>
  <section class="attachments" aria-label="<?cs var:Lang.mail.attachments ?>">
    <h2><?cs var:Lang.mail.attachments ?></h2>
    <ul>
<?cs each:p = Msg.Parts ?>
      <li><a href="<?cs var:Page.Base ?>/mail/part?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;part=<?cs var:p.No ?>"><?cs var:p.Name ?></a> <span class="type"><?cs var:p.Type ?></span> <span class="size"><?cs var:p.Size ?></span></li>
<?cs /each ?>
    </ul>
  </section>
<?cs /if ?>
</article>
<?cs include:"footer.cs" ?>
